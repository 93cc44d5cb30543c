// The list of calls: one card per call, kept across updates (so focus, an open
// transfer form and a half-typed number survive every event), with its actions.

import { showError } from "./dialer.js";
import { ESTABLISHED, JOINABLE, clock, endReasonLabel, pathPart, stateLabel, who } from "./format.js";
import { elapsed, isRinging } from "./store.js";

const DTMF_STATES = new Set(["connected", "remote_held"]);

export class CallsView {
  constructor({ store, api, dialer, elements }) {
    this.store = store;
    this.api = api;
    this.dialer = dialer;
    this.el = elements; // list, empty, count, template
    this.cards = new Map(); // sessionId -> <li>
    this.el.list.addEventListener("click", (event) => this._onClick(event));
    this.el.list.addEventListener("submit", (event) => this._onSubmit(event));
  }

  render() {
    const entries = this.store.orderedCalls();
    const live = new Set(entries.map((kept) => kept.call.sessionId));
    for (const [sessionId, card] of this.cards) {
      if (!live.has(sessionId)) {
        card.remove();
        this.cards.delete(sessionId);
      }
    }
    const joinable = this.store.callsIn(JOINABLE);
    entries.forEach((kept, index) => {
      let card = this.cards.get(kept.call.sessionId);
      if (!card) {
        card = this._newCard(kept.call.sessionId);
        this.cards.set(kept.call.sessionId, card);
      }
      // move only when out of place: moving a node would take the focus away from it
      const there = this.el.list.children[index];
      if (there !== card) this.el.list.insertBefore(card, there || null);
      this._update(card, kept, joinable);
    });
    const active = entries.filter((kept) => kept.call.state !== "ended").length;
    this.el.empty.hidden = entries.length > 0;
    this.el.count.textContent = active ? `(${active})` : "";
    this.tick();
  }

  /** Once a second: the timers only. */
  tick() {
    const now = performance.now();
    for (const kept of this.store.calls.values()) {
      const card = this.cards.get(kept.call.sessionId);
      if (!card) continue;
      const timer = card.querySelector(".timer");
      const text = clock(elapsed(kept, now));
      if (timer.textContent !== text) timer.textContent = text;
    }
  }

  _newCard(sessionId) {
    const card = this.el.template.content.firstElementChild.cloneNode(true);
    card.dataset.sessionId = sessionId;
    const title = card.querySelector(".who");
    title.id = `call-${sessionId}-who`;
    card.setAttribute("aria-labelledby", title.id);
    card.querySelector(".transfer-number").id = `call-${sessionId}-target`;
    card.querySelector(".transfer-number-label").htmlFor = `call-${sessionId}-target`;
    card.querySelector(".transfer-partner").id = `call-${sessionId}-partner`;
    card.querySelector(".transfer-partner-label").htmlFor = `call-${sessionId}-partner`;
    return card;
  }

  _update(card, kept, joinable) {
    const { call } = kept;
    const name = who(call);
    const state = call.state;
    card.dataset.state = state;
    card.dataset.direction = call.direction;
    card.classList.toggle("is-ringing", isRinging(call) && !this.store.dnd);
    card.querySelector(".direction").textContent = call.direction === "inbound" ? "↙" : "↗";
    card.querySelector(".direction").title = call.direction === "inbound" ? "Inbound" : "Outbound";
    card.querySelector(".name").textContent = call.name || call.number || call.uri;
    card.querySelector(".number").textContent = call.name ? call.number : "";
    card.querySelector(".state").textContent =
      state === "ended" ? `Ended — ${endReasonLabel(call.endReason)}` : stateLabel(state);
    card.querySelector(".flags").textContent = flags(call);

    const others = joinable.filter((other) => other.sessionId !== call.sessionId);
    const inConference = joinable.length === 2 && joinable.every((other) => other.conference);
    const show = {
      answer: isRinging(call),
      hangup: state !== "ended",
      hold: JOINABLE.has(state),
      mute: ESTABLISHED.has(state) && state !== "transferring",
      keypad: DTMF_STATES.has(state),
      "transfer-open": JOINABLE.has(state),
      conference: JOINABLE.has(state) && joinable.length === 2 && !inConference,
    };
    const labels = {
      answer: "Answer",
      hangup: state === "ringing" ? "Decline" : state === "dialing" || state === "early" ? "Cancel" : "Hang up",
      hold: state === "held" ? "Resume" : "Hold",
      mute: call.muted ? "Unmute" : "Mute",
      keypad: "Keypad",
      "transfer-open": "Transfer",
      conference: "Conference",
    };
    const focused = card.contains(document.activeElement) ? document.activeElement : null;
    for (const button of card.querySelectorAll(".actions button[data-action]")) {
      const action = button.dataset.action;
      button.hidden = !show[action];
      button.textContent = labels[action];
      const partner = action === "conference" && others[0] ? ` with ${who(others[0])}` : "";
      button.setAttribute("aria-label", `${labels[action]} ${name}${partner}`);
    }

    if (focused && focused.hidden) {
      // the button just used went away (Answer, once answered): keep the keyboard on this call
      const next = [...card.querySelectorAll(".actions button")].find((button) => !button.hidden);
      if (next) next.focus();
    }

    const form = card.querySelector(".transfer");
    if (!JOINABLE.has(state)) this._openTransfer(card, false);
    const select = form.querySelector(".transfer-partner");
    const chosen = select.value;
    select.replaceChildren(
      ...others.map((other) => new Option(`${who(other)} — ${stateLabel(other.state)}`, other.sessionId)),
    );
    if (others.some((other) => other.sessionId === chosen)) select.value = chosen;
    form.querySelector(".attended").hidden = others.length === 0;
  }

  _openTransfer(card, open) {
    const form = card.querySelector(".transfer");
    form.hidden = !open;
    card.querySelector('button[data-action="transfer-open"]').setAttribute("aria-expanded", String(open));
    if (open) form.querySelector(".transfer-number").focus();
  }

  _onClick(event) {
    const button = event.target.closest("button[data-action]");
    const card = event.target.closest("li.call");
    if (!button || !card) return;
    const sessionId = card.dataset.sessionId;
    const kept = this.store.calls.get(sessionId);
    if (!kept) return;
    const id = pathPart(sessionId);
    switch (button.dataset.action) {
      case "answer":
        return this._run(card, button, `/api/answer/${id}`);
      case "hangup":
        return this._run(card, button, `/api/hangup/${id}`);
      case "hold":
        return this._run(card, button, kept.call.state === "held" ? `/api/unhold/${id}` : `/api/hold/${id}`);
      case "mute":
        return this._run(card, button, kept.call.muted ? `/api/unmute/${id}` : `/api/mute/${id}`);
      case "keypad":
        return this.dialer.aimAt(sessionId);
      case "transfer-open":
        return this._openTransfer(card, card.querySelector(".transfer").hidden);
      case "conference":
        return this._run(card, button, "/api/conference");
      case "attended": {
        const partner = card.querySelector(".transfer-partner").value;
        if (!partner) return showError(card.querySelector(".error"), "Pick the other call first.");
        return this._run(card, button, `/api/transfer/attendant/${id}/${pathPart(partner)}`);
      }
      default:
        return undefined;
    }
  }

  _onSubmit(event) {
    event.preventDefault();
    const card = event.target.closest("li.call");
    if (!card) return;
    const input = card.querySelector(".transfer-number");
    const number = input.value.trim();
    if (!number) {
      showError(card.querySelector(".error"), "Type the number to transfer to.");
      input.focus();
      return;
    }
    const button = card.querySelector('button[data-action="transfer"]');
    const path = `/api/transfer/${pathPart(card.dataset.sessionId)}?number=${encodeURIComponent(number)}`;
    this._run(card, button, path);
  }

  async _run(card, button, path) {
    // busy, not disabled: a disabled button would drop the keyboard focus
    if (button.getAttribute("aria-busy") === "true") return;
    const slot = card.querySelector(".error");
    button.setAttribute("aria-busy", "true");
    try {
      const result = await this.api.command(path);
      showError(slot, null);
      for (const call of result.calls || (result.call ? [result.call] : [])) this.store.adoptCall(call);
    } catch (error) {
      showError(slot, `${button.textContent} failed: ${error.message}`);
    } finally {
      button.removeAttribute("aria-busy");
    }
  }
}

function flags(call) {
  const parts = [];
  if (call.muted) parts.push("Muted");
  if (call.conference) parts.push("In conference");
  if (call.transfer && call.state === "transferring") parts.push(`Transferring to ${call.transfer.target}…`);
  if (call.transfer && call.transfer.state === "failed" && call.state !== "ended") {
    parts.push(`Transfer failed: ${call.transfer.reason || call.transfer.sipStatus || "no reason"}`);
  }
  if (call.codec && ESTABLISHED.has(call.state)) parts.push(call.codec);
  return parts.join(" · ");
}
