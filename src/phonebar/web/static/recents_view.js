// Recent calls, newest first, each a button that dials the party again.
//
// Read from GET /api/recents?limit=N ({"calls": [...ended calls...], "next": cursor}),
// again whenever a call ends. A daemon without call history answers 404: the section
// stays hidden. Calls that ended since the last read are shown at once from their
// call_ended event, so the list never lags behind the history being written.

import { showError } from "./dialer.js";
import { endReasonLabel, redialTarget, when, who } from "./format.js";

const SHOWN = 10;
const REFRESH_DELAY_MS = 300;

export class RecentsView {
  constructor({ api, dialer, elements }) {
    this.api = api;
    this.dialer = dialer;
    this.el = elements; // section, list, empty, error
    this.calls = [];
    this.available = false;
    this.timer = null;
    this.el.list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-redial]");
      if (button) this.dialer.dial(button.dataset.redial, this.el.error);
    });
  }

  async refresh() {
    try {
      const page = await this.api.get(`/api/recents?limit=${SHOWN}`);
      this.available = true;
      this.calls = merge(page.calls || [], this.calls);
      showError(this.el.error, null);
    } catch (error) {
      if (error.status === 404) {
        this.available = false;
      } else if (this.available) {
        showError(this.el.error, `Recent calls could not be read: ${error.message}`);
      }
    }
    this.render();
  }

  /** A call ended: show it now, then read the history again shortly. */
  ended(call) {
    if (!this.available) return;
    this.calls = merge([call], this.calls);
    this.render();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), REFRESH_DELAY_MS);
  }

  render() {
    this.el.section.hidden = !this.available;
    if (!this.available) return;
    const items = this.calls.slice(0, SHOWN).map((call) => {
      const item = document.createElement("li");
      item.className = "recent";
      item.dataset.reason = call.endReason || "";
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.redial = redialTarget(call);
      const arrow = call.direction === "inbound" ? "↙" : "↗";
      const detail = `${endReasonLabel(call.endReason)} · ${when(call.createdAt)}`;
      button.innerHTML = '<span class="recent-who"></span><span class="recent-detail"></span>';
      button.querySelector(".recent-who").textContent = `${arrow} ${who(call)}`;
      button.querySelector(".recent-detail").textContent = detail;
      button.setAttribute("aria-label", `Call ${who(call)} again (${call.direction}, ${detail})`);
      item.append(button);
      return item;
    });
    this.el.list.replaceChildren(...items);
    this.el.empty.hidden = items.length > 0;
  }
}

/** Newest first, one entry per call. */
function merge(fresh, known) {
  const seen = new Map();
  for (const call of [...fresh, ...known]) if (!seen.has(call.sessionId)) seen.set(call.sessionId, call);
  const at = (call) => call.endedAt || call.createdAt || "";
  return [...seen.values()].sort((a, b) => at(b).localeCompare(at(a)));
}
