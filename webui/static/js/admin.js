// The Admin view (#admin, administrators only): the users, searched and paged; one user's
// detail with the actions an administrator may take, each behind a confirmation naming
// what it does; and how many people are online, kept live by the chat's connection.

import { wireAdminClients } from "./admin-clients.js";
import { wireAdminProviders } from "./admin-providers.js";
import * as api from "./api.js";
import {
  busy, clearErrors, concealPasswords, field, report, reportApiError, showFormError,
} from "./forms.js";
import { timeElement } from "./times.js";
import { cell } from "./tables.js";

const PAGE = 20;
const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function status(user) {
  const words = [user.disabled ? "Disabled" : user.is_verified ? "Active" : "Not verified"];
  if (user.role === "admin") words.push("admin");
  if (user.totp) words.push("two-step");
  return words.join(" · ");
}

const compact = new Intl.NumberFormat("en", {
  notation: "compact", minimumFractionDigits: 1, maximumFractionDigits: 1,
});

/** How many users a page says there are: exact ("57 users"), the database's estimate of
 * a large table ("about 1.0M users"), or a floor where counting would cost more than the
 * page ("1,000+ users"). */
function counted(page) {
  const plural = page.total === 1 ? "user" : "users";
  if (page.total_kind === "estimate") return `about ${compact.format(page.total)} ${plural}`;
  if (page.total_kind === "at_least") return `${page.total.toLocaleString("en")}+ ${plural}`;
  return `${page.total.toLocaleString("en")} ${plural}`;
}

/**
 * The actions on `user` (`me`: the admin looking; `passkeys`: how many the user has):
 * [label, API action, confirmation title, what it does, danger, what else it asks].
 */
function actionsFor(user, me, passkeys) {
  const name = user.username;
  const self = user.id === me.id;
  return [
    !user.is_verified && ["Mark verified", "verify", `Mark ${name}'s address verified?`,
      `${name} can log in without entering the mailed code.`],
    user.is_verified && ["Mark unverified", "unverify", `Mark ${name}'s address unverified?`,
      `${name} must prove the address with a new mailed code before their next login. The account stays theirs meanwhile.`],
    ["End sessions", "end-sessions", `Log ${name} out everywhere?`,
      `Every session of ${name} ends and their open pages and terminals are disconnected.`],
    (user.totp || passkeys > 0) && ["Reset two-step login", "reset-second-factors", `Turn off ${name}'s two-step login?`,
      `Their authenticator app and recovery codes stop working; their password alone logs them in. They are mailed a notice.`,
      false, { passkeys: passkeys > 0, password: true }],
    user.role === "admin"
      ? !self && ["Revoke admin…", "revoke-admin", `Take the admin role from ${name}?`,
        `${name} can no longer open this page or act on accounts.`, false, { password: true }]
      : ["Make admin…", "grant-admin", `Make ${name} an admin?`,
        `${name} can see every account and disable, reset or delete them.`, false, { password: true }],
    user.disabled
      ? ["Enable", "enable", `Enable ${name}?`, `${name} can log in again.`]
      : !self && ["Disable…", "disable", `Disable ${name}?`,
        `Their login is refused until an administrator enables the account, and every session they have ends now.`, true, { password: true }],
    !self && ["Delete…", "delete", `Delete ${name}?`,
      `The account, its sessions and its chat messages go for good. The username and address become free. This cannot be undone.`, true, { password: true }],
  ].filter(Boolean);
}

/** Wire the Admin view; `app` as in main.js. Returns the view and `online(count)`. */
export function wireAdmin(app) {
  const clients = wireAdminClients();
  const providers = wireAdminProviders(ask);
  const search = $("admin-search-form");
  const body = $("admin-users-body");
  const listStatus = $("admin-users-status");
  const detail = $("admin-detail");
  const dialog = $("admin-confirm");
  const confirmForm = $("admin-confirm-form");
  let query = "";
  // The cursor of each page shown so far (null: the first): "Previous" goes back one,
  // "Next" goes on from the page's next_cursor, so every page costs the same to fetch.
  let cursors = [null];
  let nextCursor = null;
  let shown = null; // the user in the detail panel
  let pending = null; // the action waiting for its confirmation

  async function loadList() {
    listStatus.textContent = "Loading…";
    let page;
    try {
      page = await api.adminUsers(query, cursors.at(-1), PAGE);
    } catch (error) {
      listStatus.textContent = "";
      showFormError(search, error.message);
      return;
    }
    body.replaceChildren(...page.users.map((user) => {
      const open = el("button", "button button-quiet", "Open");
      open.type = "button";
      open.setAttribute("aria-label", `Open ${user.username}`);
      open.addEventListener("click", () => showUser(user.id));
      const row = el("tr");
      row.setAttribute("role", "row");
      row.append(cell("User", el("span", "device", user.username)), cell("Email", user.email),
        cell("Status", status(user)), cell("Joined", timeElement(user.created_at)));
      const action = cell("", open);
      action.className = "action";
      row.append(action);
      return row;
    }));
    const first = (cursors.length - 1) * PAGE + 1;
    const prefixOnly = page.search === "prefix" && query
      ? " (names and addresses starting with your words)" : "";
    listStatus.textContent = page.users.length === 0 ? `No user matches${prefixOnly}.`
      : `${first}–${first + page.users.length - 1} of ${counted(page)}${prefixOnly}`;
    $("admin-prev").disabled = cursors.length === 1;
    $("admin-next").disabled = page.next_cursor === null;
    nextCursor = page.next_cursor;
  }

  function fact(label, ...value) {
    const row = el("div");
    const dd = el("dd");
    dd.append(...value);
    row.append(el("dt", "", label), dd);
    return row;
  }

  async function showUser(userId, done = null) {
    $("admin-error").hidden = true;
    let found;
    let keys;
    try {
      [found, { passkeys: keys }] = await Promise.all([api.adminUser(userId), api.adminPasskeys(userId)]);
    } catch (error) {
      $("admin-error").textContent = error.message;
      $("admin-error").hidden = false;
      return;
    }
    shown = found.user;
    const user = found.user;
    $("admin-detail-title").textContent = user.username;
    $("admin-facts").replaceChildren(
      fact("Email", user.email),
      fact("Status", status(user)),
      fact("Joined", timeElement(user.created_at)),
      fact("Last login", found.last_login_at ? timeElement(found.last_login_at) : "never"),
      fact("Sessions", String(found.sessions.length)),
      fact("Two-step login", user.totp ? `on, ${found.recovery_codes_left} recovery codes left` : "off"),
      fact("Passkeys", String(found.passkeys)),
    );
    $("admin-actions").replaceChildren(...actionsFor(user, app.user, keys.length).map(
      ([label, action, title, text, danger, asks = {}]) => {
        const button = el("button", `button ${danger ? "button-danger" : "button-quiet"}`, label);
        button.type = "button";
        button.addEventListener("click", () => ask({ label, action, title, text, asks, opener: button }));
        return button;
      }));
    $("admin-passkeys").replaceChildren(...(keys.length ? keys.map((passkey) => {
      const item = el("li");
      const remove = el("button", "button button-quiet", "Remove…");
      remove.type = "button";
      remove.setAttribute("aria-label", `Remove the passkey ${passkey.name}`);
      remove.addEventListener("click", () => ask({
        label: "Remove…", action: "passkeys/remove", title: `Remove ${user.username}'s passkey ${passkey.name}?`,
        text: "It no longer logs them in. Their other passkeys and their password keep working.",
        asks: { password: true }, extra: { passkey_id: passkey.id }, opener: remove,
      }));
      const about = el("span", "passkey-name", passkey.name);
      item.append(about, " ", el("span", "help", "added "), timeElement(passkey.created_at), remove);
      return item;
    }) : [el("li", "help", "None.")]));
    $("admin-events").replaceChildren(...found.events.map((event) => {
      const item = el("li");
      item.append(timeElement(event.at), " ", el("strong", "", event.event.replaceAll("_", " ")),
        ` ${event.detail} · ${event.ip}`);
      return item;
    }));
    $("admin-done").textContent = done || "";
    $("admin-done").hidden = !done;
    detail.hidden = false;
    if (!done) $("admin-detail-title").focus();
  }

  function ask(action) {
    pending = action;
    clearErrors(confirmForm);
    $("admin-confirm-title").textContent = action.title;
    $("admin-confirm-text").textContent = action.text;
    $("admin-confirm-go").textContent = action.label.replace("…", "");
    const asks = action.asks || {};
    $("admin-confirm-passkeys-field").hidden = !asks.passkeys;
    $("admin-confirm-passkeys").checked = false;
    $("admin-confirm-password-field").hidden = !asks.password;
    // The field is emptied and hidden again each time the dialog opens.
    concealPasswords(confirmForm);
    field(confirmForm, "current_password").value = "";
    dialog.showModal();
    (asks.password ? field(confirmForm, "current_password") : $("admin-confirm-cancel")).focus();
  }

  $("admin-confirm-cancel").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => pending?.opener.isConnected && pending.opener.focus());

  confirmForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    // An act on the user shown, or (with `run` and `after`) one of another section's.
    const { action, asks = {}, extra = {}, run, after } = pending;
    const body = { ...extra };
    if (asks.passkeys) body.passkeys = $("admin-confirm-passkeys").checked;
    if (asks.password) {
      body.current_password = field(confirmForm, "current_password").value;
      if (!body.current_password) {
        reportApiError(confirmForm, { field: "current_password", message: "Enter your password." });
        return;
      }
    }
    await busy(confirmForm, async () => {
      let reply;
      try {
        reply = run ? await run(body) : await api.adminAct(action, shown.id, body);
      } catch (error) {
        reportApiError(confirmForm, error);
        return;
      }
      field(confirmForm, "current_password").value = "";
      dialog.close();
      if (after) {
        await after(reply);
        return;
      }
      await loadList();
      if (action === "delete") {
        detail.hidden = true;
        listStatus.textContent = `${reply.message} ${listStatus.textContent}`;
        $("admin-title").focus();
      } else {
        await showUser(shown.id, reply.message);
        $("admin-done").focus?.();
      }
    });
  });

  search.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(search);
    query = field(search, "query").value.trim();
    cursors = [null];
    await busy(search, loadList);
  });
  $("admin-prev").addEventListener("click", () => {
    if (cursors.length > 1) cursors.pop();
    loadList();
  });
  $("admin-next").addEventListener("click", () => {
    if (nextCursor !== null) cursors.push(nextCursor);
    loadList();
  });

  return {
    show() {
      if (app.user.role !== "admin") {
        app.go(app.home);
        return;
      }
      detail.hidden = true;
      loadList();
      clients.load();
      providers.load();
    },
    online(count, shown = true) {
      $("admin-online").textContent = count === null ? "–" : String(count);
      $("admin-online").closest(".online-now").hidden = !shown;
    },
    /** Forget the search, the page and the user shown (the page's slots go by themselves). */
    forget() {
      query = "";
      cursors = [null];
      nextCursor = null;
      shown = null;
      pending = null;
      providers.forget();
    },
  };
}
