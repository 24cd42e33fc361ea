// The Admin view's sign-in providers: the outside OpenID Providers people may sign in
// with, one added or changed from a short form (the client secret goes in, never comes
// back), and removal behind the admin's own password. The same acts as the operator's
// `authserver providers` command, each audited.

import * as api from "./api.js";
import { busy, clearErrors, field, reportApiError, showDone } from "./forms.js";
import { cell, rowButton } from "./tables.js";

const $ = (id) => document.getElementById(id);
const CALLBACK = (name) => `${window.location.origin}/api/login/provider/${name || "NAME"}/callback`;

/** What a provider is trusted with, in words. */
function allows(provider) {
  const words = [provider.allow_signup ? "sign-up" : "linked accounts only"];
  if (provider.trust_amr) words.push("its second factor");
  if (provider.trust_email) words.push("its verified addresses (trusted)");
  return words.join(", ");
}

/**
 * Wire the section. `ask(action)` is the Admin view's confirm dialog (admin.js): it asks
 * for the admin's password and calls `action.run(body)`, then `action.after(reply)`.
 */
export function wireAdminProviders(ask) {
  const body = $("admin-providers-body");
  const status = $("admin-providers-status");
  const problem = $("admin-providers-error");
  const form = $("provider-form");
  const name = field(form, "name");
  let editing = null; // the name of the provider the form changes; null: it adds one
  let trusted = false; // whether that provider trusts its addresses already

  function fail(error) {
    problem.textContent = error.message;
    problem.hidden = false;
  }

  function showCallback() {
    $("provider-callback").textContent = CALLBACK(name.value.trim());
  }
  name.addEventListener("input", showCallback);

  function startAdding() {
    editing = null;
    trusted = false;
    form.reset();
    clearErrors(form);
    $("provider-form-title").textContent = "Add a provider";
    $("provider-form-go").textContent = "Add provider";
    $("provider-form-cancel").hidden = true;
    field(form, "client_secret").placeholder = "";
    showCallback();
  }

  function startEditing(provider) {
    editing = provider.name;
    trusted = provider.trust_email;
    clearErrors(form);
    for (const key of ["name", "issuer", "client_id", "button_label"]) field(form, key).value = provider[key];
    field(form, "scopes").value = provider.scopes.join(" ");
    field(form, "client_secret").value = "";
    field(form, "client_secret").placeholder = "unchanged";
    for (const key of ["allow_signup", "trust_email", "trust_amr"]) field(form, key).checked = provider[key];
    $("provider-form-title").textContent = `Change ${provider.name}`;
    $("provider-form-go").textContent = "Save changes";
    $("provider-form-cancel").hidden = false;
    showCallback();
    $("provider-form-title").focus();
  }
  $("provider-form-cancel").addEventListener("click", startAdding);

  function row(provider) {
    const tr = document.createElement("tr");
    tr.setAttribute("role", "row");
    const label = document.createElement("strong");
    label.textContent = provider.button_label;
    const id = document.createElement("code");
    id.textContent = provider.name;
    const issuer = document.createElement("code");
    issuer.textContent = provider.issuer;
    const actions = document.createElement("td");
    actions.setAttribute("role", "cell");
    actions.className = "action";
    actions.append(
      rowButton("Change", `Change ${provider.name}`, () => startEditing(provider)),
      rowButton("Remove…", `Remove ${provider.name}`, (event) => ask({
        label: "Remove…", title: `Remove ${provider.name}?`,
        text: "Its button goes from the login page and every account's link to it ends: those accounts sign in their other ways.",
        asks: { password: true }, opener: event.currentTarget,
        run: (proof) => api.adminRemoveProvider(provider.name, proof),
        after: async (reply) => {
          if (editing === provider.name) startAdding();
          await load(reply.message);
        },
      })),
    );
    tr.append(cell("Provider", label, document.createElement("br"), id),
      cell("Issuer", issuer), cell("Allows", allows(provider)), actions);
    return tr;
  }

  async function load(message = "") {
    problem.hidden = true;
    try {
      const providers = await api.adminProviders();
      body.replaceChildren(...providers.map(row));
      status.textContent = message ||
        `${providers.length} provider${providers.length === 1 ? "" : "s"}.`;
    } catch (error) {
      fail(error);
    }
  }

  /** The form's fields as the API takes them; empty ones left out (kept on a change). */
  function fields() {
    const chosen = {};
    for (const key of ["issuer", "client_id", "client_secret", "button_label"]) {
      const value = field(form, key).value.trim();
      if (value) chosen[key] = value;
    }
    const scopes = field(form, "scopes").value.split(/\s+/).filter(Boolean);
    if (scopes.length) chosen.scopes = scopes;
    for (const key of ["allow_signup", "trust_email", "trust_amr"]) chosen[key] = field(form, key).checked;
    return chosen;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const given = name.value.trim();
    if (!given) {
      reportApiError(form, { field: "name", message: "Give the provider a name." });
      return;
    }
    if (field(form, "trust_email").checked && !trusted &&
        !window.confirm(`Trust ${given}'s verified addresses? Whoever it vouches for takes over the local account with that address.`)) {
      return;
    }
    const changing = editing;
    await busy(form, async () => {
      let reply;
      try {
        reply = changing
          ? await api.adminUpdateProvider(changing, { ...fields(), ...(given !== changing ? { new_name: given } : {}) })
          : await api.adminAddProvider({ name: given, ...fields() });
      } catch (error) {
        reportApiError(form, error, "name");
        return;
      }
      startAdding();
      showDone(form, `${reply.name} is ${changing === null ? "added" : "saved"}: register ${CALLBACK(reply.name)} at the provider.`);
      await load();
    });
  });

  showCallback();
  return { load, forget: startAdding };
}
