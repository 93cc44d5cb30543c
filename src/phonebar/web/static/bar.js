// The agent's bar: wires the API, the event stream, the store and the views together.
//
// Everything it shows comes from the public API: a snapshot of /api/calls and
// /api/status each time the event stream (re)opens, then the events. There is no
// polling: the only timers are the call timers, the ended-call linger and the
// stream's own reconnection.

import { createApi, tokenFromPage } from "./api.js";
import { CallsView } from "./calls_view.js";
import { Dialer, showError } from "./dialer.js";
import { endReasonLabel, who } from "./format.js";
import { RecentsView } from "./recents_view.js";
import { Ringer } from "./ringer.js";
import { StatusView } from "./status_view.js";
import { Store } from "./store.js";
import { EventStream } from "./stream.js";

const $ = (id) => document.getElementById(id);

const token = tokenFromPage(window.location, window.sessionStorage);
if (new URLSearchParams(window.location.search).has("token")) {
  // keep the token out of the address bar (and of anyone reading over the agent's shoulder)
  window.history.replaceState(null, "", window.location.pathname);
}
const api = createApi({ token });
const store = new Store();

function announce(text) {
  const announcer = $("announcer");
  announcer.textContent = "";
  window.setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

const statusView = new StatusView({
  store,
  api,
  elements: {
    connection: $("connection"),
    registration: $("registration"),
    agentState: $("agent-state"),
    dnd: $("dnd"),
    dndError: $("dnd-error"),
  },
});
const dialer = new Dialer({
  store,
  api,
  elements: {
    form: $("dial-form"),
    number: $("number"),
    dial: $("dial"),
    error: $("dial-error"),
    padToggle: $("dialpad-toggle"),
    pad: $("dialpad"),
    padTarget: $("dialpad-target"),
    padError: $("dialpad-error"),
  },
});
const callsView = new CallsView({
  store,
  api,
  dialer,
  elements: { list: $("call-list"), empty: $("no-calls"), count: $("call-count"), template: $("call-template") },
});
const recents = new RecentsView({
  api,
  dialer,
  elements: { section: $("recents"), list: $("recent-list"), empty: $("no-recents"), error: $("recents-error") },
});
const ringer = new Ringer({ root: document.body, announce });

store.subscribe((what, detail) => {
  if (what === "connection" || what === "status") statusView.render();
  if (what === "calls" || what === "status") {
    callsView.render();
    dialer.render();
    ringer.update(store.dnd ? [] : store.ringingCalls());
  }
  if (what === "calls" && detail && detail.event && detail.event.type === "call_ended") {
    announce(`Call with ${who(detail.event.call)} ended: ${endReasonLabel(detail.event.call.endReason)}`);
  }
});

async function resync() {
  store.beginResync();
  try {
    const [calls, status] = await Promise.all([api.get("/api/calls"), api.get("/api/status")]);
    store.finishResync(calls, status);
    showError($("connection-error"), null);
  } catch (error) {
    store.finishResync([...store.calls.values()].map((kept) => kept.call), null);
    showError($("connection-error"), `Could not read the calls: ${error.message}`);
  }
  await recents.refresh();
}

/** The stream was answered with an HTTP error (a token, an origin): ask the API why. */
async function explainRefusal() {
  try {
    await api.get("/api/status");
  } catch (error) {
    showError($("connection-error"), error.message);
  }
}

const stream = new EventStream(api.eventsUrl(), {
  onOpen() {
    store.setConnection("live");
    resync();
  },
  onEvent(event) {
    store.applyEvent(event);
    if (event.type === "call_ended") recents.ended(event.call);
  },
  onNotice(notice) {
    if (notice.type === "gap") resync();
  },
  onDown(why) {
    if (why === "lost" && store.connection === "stopped") return; // it said goodbye: keep saying so
    store.setConnection(why);
    if (why === "refused") explainRefusal();
  },
});

statusView.render();
callsView.render();
dialer.render();
stream.start();
window.setInterval(() => callsView.tick(), 250); // a quarter second: the timers never lag visibly
