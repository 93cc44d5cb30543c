// Dialling: the number field (Enter or the Dial button dials) and the dialpad.
//
// During a call the dialpad sends DTMF to the call the agent talks on, or to the
// call whose Keypad button was pressed last; with no call up it types into the
// number field.

import { pathPart, who } from "./format.js";

const DTMF_STATES = new Set(["connected", "remote_held"]);

export class Dialer {
  constructor({ store, api, elements }) {
    this.store = store;
    this.api = api;
    this.el = elements; // form, number, dial, error, padToggle, pad, padTarget, padError
    this.targetId = null;
    this.el.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.dial(this.el.number.value, this.el.error);
    });
    this.el.padToggle.addEventListener("click", () => this.showPad(this.el.pad.hidden));
    this.el.pad.addEventListener("click", (event) => {
      const key = event.target.closest("button[data-key]");
      if (key) this.press(key.dataset.key, key);
    });
  }

  /** Dial `number`; any error is shown in `errorSlot` (next to what the agent clicked). */
  async dial(number, errorSlot) {
    const { el } = this;
    const wanted = number.trim();
    if (!wanted) {
      showError(errorSlot, "Type a number to dial.");
      el.number.focus();
      return null;
    }
    if (el.dial.getAttribute("aria-busy") === "true") return null;
    el.dial.setAttribute("aria-busy", "true");
    try {
      const result = await this.api.command(`/api/originate/${pathPart(wanted)}`);
      showError(errorSlot, null);
      showError(el.error, null);
      if (el.number.value.trim() === wanted) el.number.value = "";
      this.store.adoptCall(result.call);
      return result.call;
    } catch (error) {
      showError(errorSlot, `Could not dial ${wanted}: ${error.message}`);
      return null;
    } finally {
      el.dial.removeAttribute("aria-busy");
    }
  }

  showPad(open) {
    this.el.pad.hidden = !open;
    this.el.padToggle.setAttribute("aria-expanded", String(open));
  }

  /** The Keypad button of a call: its tones go to that call from now on. */
  aimAt(sessionId) {
    this.targetId = sessionId;
    this.showPad(true);
    this.render();
    const first = this.el.pad.querySelector("button[data-key]");
    if (first) first.focus();
  }

  target() {
    const chosen = this.targetId && this.store.calls.get(this.targetId);
    if (chosen && DTMF_STATES.has(chosen.call.state)) return chosen.call;
    return this.store.talkingCall();
  }

  async press(key, button) {
    const call = this.target();
    if (!call) {
      this.el.number.value += key;
      return;
    }
    button.setAttribute("aria-busy", "true");
    try {
      await this.api.command(`/api/dtmf/${pathPart(call.sessionId)}/${pathPart(key)}`);
      showError(this.el.padError, null);
    } catch (error) {
      showError(this.el.padError, `Could not send ${key} to ${who(call)}: ${error.message}`);
    } finally {
      button.removeAttribute("aria-busy");
    }
  }

  render() {
    const call = this.target();
    this.el.padTarget.textContent = call ? `Tones go to ${who(call)}` : "Keys type into the number field";
    this.el.pad.dataset.mode = call ? "dtmf" : "typing";
  }
}

export function showError(slot, message) {
  if (!slot) return;
  slot.textContent = message || "";
  slot.hidden = !message;
}
