// The Admin view's apps (OAuth clients): the registered apps, one registered from a short
// form (its secret shown once, right there), a new secret, and removal behind a confirm.
// The same acts as the operator's `authserver clients` command, each audited.

import * as api from "./api.js";
import { busy, clearErrors, field, reportApiError, showDone } from "./forms.js";
import { timeElement } from "./times.js";
import { cell, rowButton } from "./tables.js";

const $ = (id) => document.getElementById(id);

export function wireAdminClients() {
  const body = $("admin-clients-body");
  const status = $("admin-clients-status");
  const problem = $("admin-clients-error");
  const form = $("client-form");
  const secretBox = $("admin-client-secret");

  function showSecret(name, clientId, secret) {
    secretBox.replaceChildren();
    if (!secret) return;
    const lead = document.createElement("p");
    lead.textContent = `The secret of ${name}, shown this once: copy it into the app now.`;
    const code = document.createElement("code");
    code.textContent = `client_id=${clientId}  client_secret=${secret}`;
    secretBox.append(lead, code);
    secretBox.hidden = false;
  }

  function fail(error) {
    problem.textContent = error.message;
    problem.hidden = false;
  }

  function row(client) {
    const tr = document.createElement("tr");
    tr.setAttribute("role", "row");
    const name = document.createElement("strong");
    name.textContent = client.name;
    const id = document.createElement("code");
    id.textContent = client.client_id;
    const kind = [client.public ? "public" : "confidential"];
    if (client.first_party) kind.push("first-party");
    const actions = document.createElement("td");
    actions.setAttribute("role", "cell");
    actions.className = "action";
    if (!client.public) {
      actions.append(rowButton("New secret", `New secret for ${client.name}`, async () => {
        if (!window.confirm(`Give ${client.name} a new secret? The old one stops working at once.`)) return;
        try {
          const reply = await api.adminRotateClientSecret(client.client_id);
          showSecret(client.name, client.client_id, reply.client_secret);
        } catch (error) {
          fail(error);
        }
      }));
    }
    actions.append(rowButton("Remove", `Remove ${client.name}`, async () => {
      if (!window.confirm(`Remove ${client.name}? Every grant and token it holds ends.`)) return;
      try {
        const reply = await api.adminDeleteClient(client.client_id);
        await load(reply.message);
      } catch (error) {
        fail(error);
      }
    }));
    tr.append(
      cell("App", name, document.createElement("br"), id),
      cell("Kind", kind.join(", ")),
      cell("Grants", client.grant_types.join(" ")),
      cell("Registered", client.created_at ? timeElement(client.created_at) : "–"),
      actions,
    );
    return tr;
  }

  async function load(message = "") {
    problem.hidden = true;
    try {
      const clients = await api.adminClients();
      body.replaceChildren(...clients.map(row));
      status.textContent = message || `${clients.length} app${clients.length === 1 ? "" : "s"} registered.`;
    } catch (error) {
      fail(error);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    secretBox.hidden = true;
    await busy(form, async () => {
      const uris = field(form, "redirect_uris").value.split(/\s+/).filter(Boolean);
      let reply;
      try {
        reply = await api.adminCreateClient({
          name: field(form, "name").value,
          redirect_uris: uris,
          public: field(form, "public").checked,
          first_party: field(form, "first_party").checked,
        });
      } catch (error) {
        reportApiError(form, error, "name");
        return;
      }
      form.reset();
      showDone(form, `${reply.client.name} is registered.`);
      showSecret(reply.client.name, reply.client.client_id, reply.client_secret);
      await load();
    });
  });

  return { load };
}
