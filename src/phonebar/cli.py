"""The ``phonebar`` command: ``run``, ``demo``, ``check-config``, ``version``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from phonebar import __version__
from phonebar.config import Settings, load_settings
from phonebar.errors import ConfigError

EXIT_CONFIG = 2
DEFAULT_CONFIG = Path("~/.config/phonebar/phonebar.toml")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="phonebar", description="A SIP softphone bar with an HTTP API.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("run", "run the daemon in the foreground"),
        ("check-config", "validate the configuration and print it (secrets hidden)"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument(
            "--config", type=Path, help=f"TOML file (default: $PHONEBAR_CONFIG or {DEFAULT_CONFIG})"
        )
        command.add_argument(
            "--set", action="append", default=[], metavar="SECTION.KEY=VALUE", help="override one setting"
        )
    demo = commands.add_parser("demo", help="run the daemon with two local demo peers, 1001 and 1002")
    demo.add_argument("--api-port", type=int, default=9888)
    demo.add_argument("--sip-port", type=int, default=5060, help="the peers use the next two ports")
    demo.add_argument("--folder", type=Path, help="where recordings and logs go (default: a new temp folder)")
    demo.add_argument(
        "--config", type=Path, help="a TOML file for the demo agent (ports and dial map are the demo's)"
    )
    demo.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one setting of the agent",
    )
    commands.add_parser("version", help="print the version")
    return parser


def _config_path(arg: Path | None) -> Path | None:
    if arg is not None:
        return arg
    if env := os.environ.get("PHONEBAR_CONFIG"):
        return Path(env)
    default = DEFAULT_CONFIG.expanduser()
    return default if default.is_file() else None


def _overrides(pairs: Sequence[str]) -> dict[str, str]:
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ConfigError(f"--set {pair!r}: expected SECTION.KEY=VALUE")
        result[key.strip()] = value
    return result


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper()),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )


def load(args: argparse.Namespace) -> Settings:
    return load_settings(_config_path(args.config), overrides=_overrides(args.set))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "version":
        print(__version__)
        return 0
    if args.command == "demo":
        setup_logging("info")
        from phonebar.demo import run_demo

        try:
            return run_demo(
                args.api_port, args.sip_port, args.folder, config=args.config, overrides=_overrides(args.set)
            )
        except ConfigError as exc:
            print(f"phonebar: configuration error: {exc.message}", file=sys.stderr)
            return EXIT_CONFIG
    try:
        settings = load(args)
    except ConfigError as exc:
        print(f"phonebar: configuration error: {exc.message}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "check-config":
        print(settings.model_dump_json(indent=2, by_alias=True))
        return 0
    setup_logging(settings.log.level)
    from phonebar.server import run

    return run(settings)
