// The Universal Bar API as the bar uses it: JSON over fetch, errors as readable messages.
//
// Every failure becomes an ApiError whose message a person can read: the API's own
// message ({"error": {"code", "message"}}), or a sentence saying the daemon is not
// answering when the request never got a response.

export class ApiError extends Error {
  constructor(status, code, message, body = null) {
    super(message);
    this.name = "ApiError";
    this.status = status; // 0 when the daemon did not answer at all
    this.code = code;
    this.body = body;
  }
}

/**
 * The API client. `token` (api.token, when the daemon has one) is sent as a bearer
 * token, and on the event stream's URL, since EventSource cannot send headers.
 */
export function createApi({ base = "", token = null } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;

  async function request(method, path) {
    let response;
    try {
      response = await fetch(base + path, { method, headers, cache: "no-store" });
    } catch (error) {
      throw new ApiError(0, "unreachable", "phonebar is not answering: is the daemon running?");
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (!response.ok) {
      const detail = body && body.error ? body.error : {};
      throw new ApiError(
        response.status,
        detail.code || `http_${response.status}`,
        detail.message || `phonebar answered ${response.status} ${response.statusText}`,
        body,
      );
    }
    return body;
  }

  return {
    get: (path) => request("GET", path),
    // commands answer GET and POST alike; the bar uses POST, as a command should
    command: (path) => request("POST", path),
    eventsUrl() {
      return base + "/api/events" + (token ? `?token=${encodeURIComponent(token)}` : "");
    },
  };
}

/** The token the bar was opened with (?token= or #token=), kept for this tab only. */
export function tokenFromPage(location, storage) {
  const found =
    new URLSearchParams(location.search).get("token") ||
    new URLSearchParams(location.hash.replace(/^#/, "")).get("token");
  if (found) {
    storage.setItem("phonebar.token", found);
    return found;
  }
  return storage.getItem("phonebar.token");
}
