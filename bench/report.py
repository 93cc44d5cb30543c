"""The targets, and the run printed as Markdown tables (the README's Performance section is
one of these, pasted)."""

from __future__ import annotations

from bench.results import Results, Side, Target

TARGETS = (
    # name, where the figure is, limit, unit
    ("`/api/calls` p99, 10 clients, no call", ("api", "calls_10_idle"), 5.0, "ms"),
    ("`/api/calls` p99, 10 clients, a call up", ("api", "calls_10_call"), 5.0, "ms"),
    ("click-to-dial median", ("latency", "click_to_dial"), 5.0, "ms"),
    ("screen-pop (INVITE → SSE) median", ("latency", "screen_pop_sse"), 10.0, "ms"),
    ("idle RSS", ("footprint", "rss_idle"), 80.0, "MB"),
    ("idle CPU", ("footprint", "cpu_idle"), 2.0, "% core"),
)


def evaluate(results: Results) -> list[Target]:
    targets = []
    for name, (table, key), limit, unit in TARGETS:
        value: float | None = None
        if table == "api":
            api = results.api_row(key)
            side = api.phonebar_p99 if api else None
        elif table == "latency":
            latency = results.latency_row(key)
            side = latency.phonebar if latency else None
        else:
            footprint = results.footprint_row(key)
            side = footprint.phonebar if footprint else None
        if side is not None and side.summary is not None:
            value = side.summary.median
        targets.append(Target(name, limit, unit, value, None if value is None else value < limit))
    return targets


def number(value: float, unit: str = "ms") -> str:
    if unit == "req/s":
        return f"{value:,.0f}"
    if unit == "MB":
        return f"{value:.1f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _median(side: Side, unit: str = "ms") -> str:
    return number(side.summary.median, unit) if side.summary else (side.missing or "—")


def _p99(side: Side, unit: str = "ms") -> str:
    return number(side.summary.p99, unit) if side.summary else "—"


def _span(side: Side, unit: str = "ms") -> str:
    if side.summary is None:
        return "—"
    return f"{number(side.summary.low, unit)}-{number(side.summary.high, unit)}"


def ratio(ours: Side, theirs: Side) -> str:
    if ours.summary is None or theirs.summary is None or theirs.summary.median == 0:
        return "—"
    return f"{ours.summary.median / theirs.summary.median:.2f}x"


def render(results: Results) -> str:
    plan = results.plan
    api_warmup = " after a warm-up run" if plan["api_warmup"] else ""
    lines = [
        f"### phonebar and baresip, {results.started}{' (smoke run)' if results.smoke else ''}",
        "",
        "Machine: {cores} cores, {cpu}, {memory}, {kernel}; load average {load}.".format(**results.machine),
        "Versions: " + " · ".join(f"{name} {value}" for name, value in results.versions.items()) + ".",
        f"Run: {plan['iterations']} iterations per latency after {plan['warmup']} warm-up; "
        f"wrk {plan['runs']} x {plan['duration']} s per cell{api_warmup}; "
        f"CPU {plan['windows']} x {plan['window']} s windows; {results.seconds:.0f} s in all.",
        "Ratio: phonebar ÷ baresip, both measured in this run (below 1 phonebar is faster or "
        "lighter; for req/s above 1 is better).",
        "",
        "Latency, ms (median, 99th percentile, min-max over the iterations):",
        "",
        "| measurement | phonebar | p99 | min-max | baresip | p99 | min-max | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in results.latency:
        labels = " / ".join(label for label in (row.phonebar.label, row.baresip.label) if label)
        name = f"{row.name} ({labels})" if labels else row.name
        lines.append(
            f"| {name} | {_median(row.phonebar)} | {_p99(row.phonebar)} | {_span(row.phonebar)} "
            f"| {_median(row.baresip)} | {_p99(row.baresip)} | {_span(row.baresip)} "
            f"| {ratio(row.phonebar, row.baresip)} |"
        )
    lines += [
        "",
        f"API under load (wrk, keep-alive clients; median of {plan['runs']} runs, "
        "p99 min-max across runs). baresip has no JSON API: its httpd module "
        "(`/?l` lists calls, `/?r` registrations) is the nearest thing.",
        "",
        "| route | clients | call | phonebar p50 | p99 | p99 min-max | req/s "
        "| baresip p50 | p99 | req/s | p99 ratio | req/s ratio |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for api in results.api:
        theirs = api.baresip_p50.label.removeprefix("GET ")
        lines.append(
            f"| `{api.path}` (`{theirs}`) | {api.clients} | {'up' if api.call_up else 'none'} "
            f"| {_median(api.phonebar_p50)} | {_median(api.phonebar_p99)} | {_span(api.phonebar_p99)} "
            f"| {_median(api.phonebar_rps, 'req/s')} | {_median(api.baresip_p50)} "
            f"| {_median(api.baresip_p99)} | {_median(api.baresip_rps, 'req/s')} "
            f"| {ratio(api.phonebar_p99, api.baresip_p99)} | {ratio(api.phonebar_rps, api.baresip_rps)} |"
        )
    lines += [
        "",
        "Footprint of the registered daemons, read over the same windows (median, min-max):",
        "",
        "| measurement | unit | phonebar | min-max | baresip | min-max | ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for footprint in results.footprint:
        unit = footprint.unit
        lines.append(
            f"| {footprint.name} | {unit} | {_median(footprint.phonebar, unit)} "
            f"| {_span(footprint.phonebar, unit)} | {_median(footprint.baresip, unit)} "
            f"| {_span(footprint.baresip, unit)} | {ratio(footprint.phonebar, footprint.baresip)} |"
        )
    lines += ["", "Targets:", "", "| target | phonebar | limit | result |", "| --- | ---: | ---: | --- |"]
    for target in results.targets:
        value = (
            "not measured" if target.value is None else f"{number(target.value, target.unit)} {target.unit}"
        )
        verdict = "not measured" if target.met is None else ("met" if target.met else "**missed**")
        lines.append(
            f"| {target.name} | {value} | < {number(target.limit, target.unit)} {target.unit} | {verdict} |"
        )
    if results.notes:
        lines += ["", *[f"- {note}" for note in results.notes]]
    return "\n".join(lines) + "\n"
