// The status strip: connection to the daemon, registration (with the reason when it
// failed), and the agent's state with the do-not-disturb toggle.

const CONNECTION_TEXT = {
  connecting: "Connecting to phonebar…",
  live: "Connected to phonebar",
  lost: "phonebar is not answering — reconnecting…",
  refused: "phonebar refused the event stream — retrying…",
  stopped: "phonebar stopped — waiting for it to come back…",
};

export function registrationText(registration, account) {
  if (!registration) return "Registration: unknown";
  const where = account && account.user ? ` as ${account.user}` : "";
  const status = registration.sipStatus ? `${registration.sipStatus} ` : "";
  switch (registration.state) {
    case "registered":
      return `Registered${where}`;
    case "registering":
      return `Registering${where}…`;
    case "failed":
      return `Registration failed: ${status}${registration.reason || "no reason given"} (retrying)`;
    default:
      return `Not registered${registration.reason ? `: ${registration.reason}` : ""}`;
  }
}

export class StatusView {
  constructor({ store, api, elements }) {
    this.store = store;
    this.api = api;
    this.el = elements; // connection, registration, agentState, dnd, dndError
    this.el.dnd.addEventListener("click", () => this.toggleDnd());
  }

  render() {
    const { store, el } = this;
    el.connection.textContent = CONNECTION_TEXT[store.connection] || store.connection;
    el.connection.dataset.state = store.connection;
    document.body.dataset.connection = store.connection;
    const status = store.status;
    el.registration.textContent = registrationText(status && status.registration, status && status.account);
    el.registration.dataset.state = status ? status.registration.state : "unknown";
    const dnd = store.dnd;
    el.agentState.textContent = dnd ? "Do not disturb" : "Ready";
    el.agentState.dataset.state = dnd ? "dnd" : "ready";
    el.dnd.setAttribute("aria-pressed", String(dnd));
    el.dnd.disabled = !status;
  }

  async toggleDnd() {
    const { el } = this;
    if (el.dnd.getAttribute("aria-busy") === "true") return;
    const wanted = !this.store.dnd;
    el.dnd.setAttribute("aria-busy", "true"); // busy, not disabled: that would drop the focus
    try {
      const result = await this.api.command(wanted ? "/api/dnd/on" : "/api/dnd/off");
      if (this.store.status) this.store.status = { ...this.store.status, dnd: result.dnd };
      el.dndError.hidden = true;
    } catch (error) {
      el.dndError.textContent = `Could not turn do-not-disturb ${wanted ? "on" : "off"}: ${error.message}`;
      el.dndError.hidden = false;
    } finally {
      el.dnd.removeAttribute("aria-busy");
      this.render();
    }
  }
}
