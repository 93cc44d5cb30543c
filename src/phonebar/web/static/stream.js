// The live event stream (Server-Sent Events at /api/events), kept open for good.
//
// The browser's EventSource reconnects by itself after a network error and sends
// Last-Event-ID, so the daemon replays what was missed. When the browser gives up
// (the daemon answered with an HTTP error), this class opens a new stream itself,
// backing off from 1 s to 30 s. Every time the stream (re)opens, `onOpen` runs:
// the bar re-reads /api/calls and /api/status there, so a restarted daemon or a
// `gap` notice can never leave it showing calls that are gone.

// every event type the daemon sends (domain/events.py), and the stream's own notices
export const EVENT_TYPES = [
  "registration_changed",
  "dnd_changed",
  "call_created",
  "call_state_changed",
  "call_answered",
  "call_held",
  "call_resumed",
  "call_updated",
  "call_muted",
  "call_unmuted",
  "dtmf_received",
  "transfer_started",
  "transfer_succeeded",
  "transfer_failed",
  "conference_joined",
  "conference_left",
  "call_ended",
];
export const NOTICE_TYPES = ["gap", "overflow", "shutdown"];

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;

export class EventStream {
  /**
   * onOpen(): the stream is (again) live.
   * onEvent(event): one event, parsed ({"type", "seq", "at", "call"?...}).
   * onNotice(notice): gap, overflow or shutdown.
   * onDown(why): "lost" (reconnecting), "refused" (HTTP error, retrying), "stopped" (daemon shut down).
   */
  constructor(url, { onOpen, onEvent, onNotice, onDown }) {
    this.url = url;
    this.handlers = { onOpen, onEvent, onNotice, onDown };
    this.source = null;
    this.retryMs = RETRY_MIN_MS;
    this.retryTimer = null;
  }

  start() {
    this._connect();
  }

  stop() {
    clearTimeout(this.retryTimer);
    if (this.source) this.source.close();
    this.source = null;
  }

  _connect() {
    const source = new EventSource(this.url);
    this.source = source;
    source.onopen = () => {
      this.retryMs = RETRY_MIN_MS;
      this.handlers.onOpen();
    };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        this.handlers.onDown("refused");
        this._retryLater();
      } else {
        this.handlers.onDown("lost");
      }
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (message) => this._deliver(message, this.handlers.onEvent));
    }
    for (const type of NOTICE_TYPES) {
      source.addEventListener(type, (message) => this._deliver(message, this.handlers.onNotice));
    }
  }

  _deliver(message, handler) {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch (error) {
      console.warn("phonebar: unreadable event", message.data);
      return;
    }
    if (event.type === "shutdown") this.handlers.onDown("stopped");
    handler(event);
  }

  _retryLater() {
    if (this.source) this.source.close();
    this.source = null;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this._connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }
}
