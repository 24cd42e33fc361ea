// "Apps signed in with this account": each app holding a grant, what it may see, when it
// last used it, and a "Remove" button. Removing an app ends every token it holds at
// once and tells it (back-channel logout); it must ask again next time.

import * as api from "./api.js";
import { timeElement } from "./times.js";
import { spannedCell as cell } from "./tables.js";

const SCOPE_WORDS = {
  openid: "who you are",
  profile: "your username",
  email: "your email address",
  offline_access: "access while you are away",
};

export class Apps {
  constructor() {
    this.body = document.getElementById("apps-body");
    this.table = document.getElementById("apps-table");
    this.empty = document.getElementById("apps-empty");
    this.status = document.getElementById("apps-status");
    this.problem = document.getElementById("apps-error");
  }

  /** Fetch and show the list; `message` (optional) says what just changed. */
  async load(message = "") {
    this.problem.hidden = true;
    let list;
    try {
      list = await api.apps();
    } catch (error) {
      this.fail(error);
      return;
    }
    this.body.replaceChildren(...list.map((app) => this.row(app)));
    this.table.hidden = list.length === 0;
    this.empty.hidden = list.length !== 0;
    this.status.textContent = message;
  }

  row(app) {
    const tr = document.createElement("tr");
    tr.setAttribute("role", "row");
    tr.dataset.clientId = app.client_id;
    const name = document.createElement("strong");
    name.textContent = app.name;
    const sees = app.scopes.map((scope) => SCOPE_WORDS[scope] || scope).join(", ");
    const action = document.createElement("td");
    action.setAttribute("role", "cell");
    action.className = "action";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-quiet";
    button.textContent = "Remove";
    button.setAttribute("aria-label", `Remove the access of ${app.name}`);
    button.addEventListener("click", () => this.remove(app, button));
    action.append(button);
    tr.append(
      cell("App", name),
      cell("Sees", sees),
      cell("Allowed", timeElement(app.authorized_at)),
      cell("Last used", app.last_used_at ? timeElement(app.last_used_at, "relative") : "not yet"),
      action,
    );
    return tr;
  }

  async remove(app, button) {
    button.disabled = true;
    let reply;
    try {
      reply = await api.revokeApp(app.client_id);
    } catch (error) {
      button.disabled = false;
      this.fail(error);
      return;
    }
    await this.load(reply.message);
  }

  fail(error) {
    this.status.textContent = "";
    this.problem.textContent = error.message;
    this.problem.hidden = false;
  }
}
