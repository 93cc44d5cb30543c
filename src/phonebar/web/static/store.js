// What the bar knows: the calls, the daemon's status, the connection. One source of truth,
// fed by snapshots (/api/calls, /api/status) and by events; views subscribe to changes.
//
// A resync (after the stream opens) is a race: an event may arrive while the snapshot
// is on its way, and is newer than it. Calls touched by an event during the resync
// keep the event's version; every other call is replaced by the snapshot, so calls of
// a daemon that restarted disappear.

import { ESTABLISHED } from "./format.js";

const ENDED_LINGER_MS = 4000; // an ended call stays on screen this long, with its reason

export class Store {
  constructor() {
    this.calls = new Map(); // sessionId -> { call, measuredAt }
    this.status = null;
    this.connection = "connecting"; // connecting | live | lost | refused | stopped
    this.lastSeq = 0;
    this._touched = null; // sessionIds changed by events during a resync
    this._listeners = new Set();
    this._removals = new Map();
  }

  subscribe(listener) {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  _changed(what, detail = null) {
    for (const listener of this._listeners) listener(what, detail);
  }

  // -- the connection ---------------------------------------------------------

  setConnection(state) {
    if (state === this.connection) return;
    this.connection = state;
    this._changed("connection");
  }

  // -- snapshots ----------------------------------------------------------------

  beginResync() {
    this._touched = new Set();
  }

  finishResync(calls, status) {
    const touched = this._touched || new Set();
    this._touched = null;
    const next = new Map();
    for (const call of calls) {
      const fresher = touched.has(call.sessionId) && this.calls.get(call.sessionId);
      next.set(call.sessionId, fresher || entry(call));
    }
    for (const [sessionId, kept] of this.calls) {
      const lingering = kept.call.state === "ended";
      if (!next.has(sessionId) && (touched.has(sessionId) || lingering)) next.set(sessionId, kept);
    }
    for (const [sessionId, kept] of next) {
      if (kept.call.state === "ended") this._removeLater(sessionId);
    }
    this.calls = next;
    if (status) this.status = status;
    this._changed("calls");
    this._changed("status");
  }

  // -- events -------------------------------------------------------------------

  applyEvent(event) {
    this.lastSeq = event.seq || this.lastSeq;
    if (event.type === "registration_changed" && this.status) {
      this.status = { ...this.status, registration: event.registration };
      this._changed("status");
    } else if (event.type === "dnd_changed" && this.status) {
      this.status = { ...this.status, dnd: event.dnd };
      this._changed("status");
    }
    if (event.call) {
      const previous = this.calls.get(event.call.sessionId);
      this._putCall(event.call);
      if (this._touched) this._touched.add(event.call.sessionId);
      this._changed("calls", { event, previous: previous ? previous.call : null });
    }
  }

  /** A call a command returned: shown at once if no event brought it yet. A command's
   * answer can be older than an event that overtook it, so it never replaces a call. */
  adoptCall(call) {
    if (this.calls.has(call.sessionId)) return;
    this._putCall(call);
    this._changed("calls", null);
  }

  _putCall(call) {
    this.calls.set(call.sessionId, entry(call));
    if (call.state === "ended") this._removeLater(call.sessionId);
  }

  _removeLater(sessionId) {
    if (this._removals.has(sessionId)) return;
    this._removals.set(
      sessionId,
      setTimeout(() => {
        this._removals.delete(sessionId);
        const kept = this.calls.get(sessionId);
        if (kept && kept.call.state === "ended") {
          this.calls.delete(sessionId);
          this._changed("calls", null);
        }
      }, ENDED_LINGER_MS),
    );
  }

  // -- questions the views ask --------------------------------------------------

  get dnd() {
    return Boolean(this.status && this.status.dnd);
  }

  /** The calls in display order: ringing ones first, then oldest first. */
  orderedCalls() {
    return [...this.calls.values()].sort((a, b) => {
      const ringing = Number(isRinging(b.call)) - Number(isRinging(a.call));
      return ringing || a.call.createdAt.localeCompare(b.call.createdAt);
    });
  }

  callsIn(states) {
    return [...this.calls.values()].map((kept) => kept.call).filter((call) => states.has(call.state));
  }

  ringingCalls() {
    return [...this.calls.values()].map((kept) => kept.call).filter(isRinging);
  }

  /** The call the agent talks on: the last answered one that is connected. */
  talkingCall() {
    const talking = this.callsIn(new Set(["connected", "remote_held"]));
    talking.sort((a, b) => (a.answeredAt || "").localeCompare(b.answeredAt || ""));
    return talking.length ? talking[talking.length - 1] : null;
  }
}

function entry(call) {
  return { call, measuredAt: performance.now() };
}

export function isRinging(call) {
  return call.state === "ringing" && call.direction === "inbound";
}

/** Seconds to show on the call's timer: talk time once answered, else time since it began. */
export function elapsed(kept, now = performance.now()) {
  const { call, measuredAt } = kept;
  if (call.state === "ended") return call.duration || 0;
  if (call.answeredAt && ESTABLISHED.has(call.state)) return call.duration + (now - measuredAt) / 1000;
  return Math.max(0, (Date.now() - Date.parse(call.createdAt)) / 1000);
}
