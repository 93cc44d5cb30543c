// The ringing alert: a page that cannot be missed while an inbound call rings.
//
// Visual now: the page's `ringing` class (a pulsing banner and card), a flashing
// window title, and a spoken announcement for screen readers. Sound is a hook: the
// ringer dispatches `phonebar:ring` on `window` with {ringing, calls} each time
// ringing starts or stops, so desktop audio (or a page embedding the bar) can play
// a ring tone without touching this file:
//
//   window.addEventListener("phonebar:ring", (e) => e.detail.ringing ? play() : stop());

import { who } from "./format.js";

const TITLE_FLASH_MS = 800;

export class Ringer {
  constructor({ root, announce, title = document.title }) {
    this.root = root;
    this.announce = announce;
    this.baseTitle = title;
    this.ringingIds = new Set();
    this.flashTimer = null;
  }

  /** The calls ringing now (already filtered: inbound, not answered, DND off). */
  update(calls) {
    const ids = new Set(calls.map((call) => call.sessionId));
    for (const call of calls) {
      if (!this.ringingIds.has(call.sessionId)) this.announce(`Incoming call from ${who(call)}`);
    }
    const was = this.ringingIds.size > 0;
    this.ringingIds = ids;
    const now = ids.size > 0;
    this.root.classList.toggle("ringing", now);
    if (now) this._flash(calls);
    if (now !== was) {
      window.dispatchEvent(new CustomEvent("phonebar:ring", { detail: { ringing: now, calls } }));
    }
    if (!now) this._stopFlash();
  }

  _flash(calls) {
    const text = `Ringing: ${calls.map(who).join(", ")}`;
    this.flashText = text;
    if (this.flashTimer) return;
    let on = true;
    document.title = text;
    this.flashTimer = setInterval(() => {
      on = !on;
      document.title = on ? this.flashText : this.baseTitle;
    }, TITLE_FLASH_MS);
  }

  _stopFlash() {
    clearInterval(this.flashTimer);
    this.flashTimer = null;
    document.title = this.baseTitle;
  }
}
