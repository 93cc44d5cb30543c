// Words and numbers the bar shows: call states, end reasons, timers, who is on the line.

export const STATE_LABELS = {
  dialing: "Dialling",
  ringing: "Ringing",
  early: "Ringing out",
  connected: "Connected",
  held: "On hold",
  remote_held: "Held by caller",
  transferring: "Transferring",
  ended: "Ended",
};

export const END_REASONS = {
  local_hangup: "hung up",
  remote_hangup: "caller hung up",
  cancelled: "cancelled",
  rejected: "declined",
  missed: "missed",
  dnd: "missed (do not disturb)",
  busy: "busy",
  declined: "declined by the far end",
  not_found: "number not found",
  no_answer: "no answer",
  failed: "failed",
  transferred: "transferred",
  replaced: "replaced by a transfer",
  media_timeout: "lost (no audio)",
  shutdown: "ended (phonebar stopped)",
};

// States in which the call has a dialog with media (hold, transfer, DTMF make sense).
export const ESTABLISHED = new Set(["connected", "held", "remote_held", "transferring"]);
// States a conference or a transfer can start from.
export const JOINABLE = new Set(["connected", "held", "remote_held"]);
// A number the API dials at the account's domain (anything else is dialled as a URI).
const DIALLABLE = /^\+?[0-9*#]+$/;

export function stateLabel(state) {
  return STATE_LABELS[state] || state;
}

export function endReasonLabel(reason) {
  return END_REASONS[reason] || reason || "ended";
}

/** "Carol (1003)", or just the number when there is no name. */
export function who(call) {
  const number = call.number || call.uri || "unknown";
  return call.name && call.name !== number ? `${call.name} (${number})` : number;
}

/** What to dial to reach this party again: its number when that is diallable, else its URI. */
export function redialTarget(call) {
  return call.number && DIALLABLE.test(call.number) ? call.number : call.uri || call.number;
}

/** 0:07, 12:34, 1:02:03 */
export function clock(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** A time of day for the recent-calls list: "14:21", or "3 Dec 14:21" before today. */
export function when(iso) {
  if (!iso) return "";
  const moment = new Date(iso);
  const time = moment.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (moment.toDateString() === new Date().toDateString()) return time;
  return `${moment.toLocaleDateString([], { day: "numeric", month: "short" })} ${time}`;
}

/** The digits of a DTMF string as a path segment ('#' must be escaped in a URL). */
export function pathPart(text) {
  return encodeURIComponent(text);
}
