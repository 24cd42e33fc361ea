// "Where you are logged in": this account's sessions, each but this one with an "End"
// button, and the two ways to end many at once. Ending a session elsewhere logs that
// browser or terminal out at once: the server closes its sockets.

import * as api from "./api.js";
import { timeElement } from "./times.js";
import { spannedCell as cell } from "./tables.js";

const BROWSERS = [["Edg", "Edge"], ["OPR", "Opera"], ["Firefox", "Firefox"], ["Chrome", "Chrome"],
  ["Safari", "Safari"], ["authcli", "authcli"], ["python-requests", "Python client"],
  ["aiohttp", "Python client"], ["curl", "curl"]];
const SYSTEMS = [["Android", "Android"], ["iPhone", "iPhone"], ["iPad", "iPad"],
  ["Windows", "Windows"], ["Mac OS X", "macOS"], ["CrOS", "ChromeOS"], ["Linux", "Linux"]];

/** "Chrome on Linux" from a user agent string; the string itself when nothing matches. */
export function device(userAgent) {
  if (!userAgent) return "Unknown device";
  const browser = BROWSERS.find(([token]) => userAgent.includes(token));
  const system = SYSTEMS.find(([token]) => userAgent.includes(token));
  if (!browser) return userAgent.split(/[\s/]/)[0] || "Unknown device";
  return system ? `${browser[1]} on ${system[1]}` : browser[1];
}

export class Sessions {
  /**
   * @param {object} app `leave(notice)`: this session is over, back to log in;
   *   `pause()` / `resume()`: close and reopen this page's live connection, so that the
   *   server's "session ended" for a step taken here does not race its own reply.
   */
  constructor(app) {
    this.app = app;
    this.body = document.getElementById("sessions-body");
    this.status = document.getElementById("sessions-status");
    this.problem = document.getElementById("sessions-error");
    this.others = document.getElementById("revoke-others");
    this.everywhere = document.getElementById("logout-all");
    this.others.addEventListener("click", () => this.endOthers());
    this.everywhere.addEventListener("click", () => this.endAll());
  }

  /** Fetch and show the list; `message` (optional) says what just changed. */
  async load(message = "") {
    this.problem.hidden = true;
    let list;
    try {
      list = await api.sessions();
    } catch (error) {
      this.fail(error);
      return;
    }
    this.render(list);
    this.status.textContent = message;
  }

  render(list) {
    this.body.replaceChildren(...list.map((session) => this.row(session)));
    this.others.disabled = !list.some((session) => !session.current);
  }

  row(session) {
    const tr = document.createElement("tr");
    tr.setAttribute("role", "row");
    tr.dataset.sessionId = String(session.id);
    const name = device(session.user_agent);
    const what = document.createElement("span");
    what.className = "device";
    what.textContent = name;
    what.title = session.user_agent || "";
    const about = [what];
    if (session.current) {
      tr.classList.add("current");
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "This browser";
      about.push(" ", badge);
    }
    const action = document.createElement("td");
    action.setAttribute("role", "cell");
    action.className = "action";
    if (!session.current) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button-quiet";
      button.textContent = "End";
      const since = timeElement(session.created_at).textContent;
      button.setAttribute("aria-label", `End the session of ${name} from ${session.ip || "an unknown address"}, logged in ${since}`);
      button.addEventListener("click", () => this.end(session.id, name, button));
      action.append(button);
    }
    tr.append(
      cell("Device", ...about),
      cell("Address", session.ip || "unknown"),
      cell("Logged in", timeElement(session.created_at)),
      cell("Last active", session.last_used_at ? timeElement(session.last_used_at, "relative") : "not yet"),
      action,
    );
    return tr;
  }

  async end(id, name, button) {
    // Disabling the button takes the focus away from it: note first whether it had it.
    const focused = document.activeElement === button;
    button.disabled = true;
    try {
      await api.revokeSession(id);
    } catch (error) {
      button.disabled = false;
      this.fail(error);
      return;
    }
    await this.load(`Ended the session of ${name}. It is logged out now.`);
    // The row and its button are gone: keep the keyboard in the table, not on <body>.
    if (focused) this.nextStop().focus();
  }

  /** The first "End" button left, or "Log out everywhere". */
  nextStop() {
    return this.body.querySelector("button:not(:disabled)") || this.everywhere;
  }

  async endOthers() {
    this.others.disabled = true;
    let reply;
    try {
      reply = await api.revokeOtherSessions();
    } catch (error) {
      this.others.disabled = false;
      this.fail(error);
      return;
    }
    await this.load(`${reply.message} This one stays.`);
    if (document.activeElement === this.others || document.activeElement === document.body) {
      this.everywhere.focus();
    }
  }

  async endAll() {
    this.everywhere.disabled = true;
    this.app.pause();
    let reply;
    try {
      reply = await api.logoutAll();
    } catch (error) {
      this.everywhere.disabled = false;
      if (error.status === 401) {
        this.app.leave("Your session has ended. Log in again.");
        return;
      }
      this.app.resume();
      this.fail(error);
      return;
    }
    this.everywhere.disabled = false;
    this.app.leave(reply.message);
  }

  fail(error) {
    this.status.textContent = "";
    this.problem.textContent = error.message;
    this.problem.hidden = false;
  }
}
