// Passkeys (WebAuthn): logging in with one from the login view, and adding, listing and
// removing them on the Account view. The browser's own JSON helpers
// (PublicKeyCredential.parse…OptionsFromJSON, credential.toJSON()) carry the server's
// options and the authenticator's answers unchanged, so no encoding is done here.

import * as api from "./api.js";
import {
  busy, clearErrors, clearOnInput, concealPasswords, field, report, reportApiError,
} from "./forms.js";
import { asksPassword, ownerProof } from "./owner-proof.js";
import { wireFactorChoice } from "./second-factor.js";
import { timeElement } from "./times.js";
import { rowButton as button } from "./tables.js";

const $ = (id) => document.getElementById(id);

function supported() {
  return typeof window.PublicKeyCredential?.parseCreationOptionsFromJSON === "function";
}

/** What to tell a person whose browser said no (cancelled, timed out, no passkey). */
function browserRefusal(error) {
  if (error && error.name === "NotAllowedError") return "No passkey was used: the request was cancelled or timed out.";
  if (error && error.name === "InvalidStateError") return "This device holds a passkey for this account already.";
  return error?.message || "The browser could not use a passkey.";
}

function say(slot, message) {
  slot.textContent = message || "";
  slot.hidden = !message;
}

/** The login view's "Log in with a passkey" button; `app.signedIn(user)` as in main.js. */
export function wirePasskeyLogin(app) {
  const button = $("passkey-login");
  const problem = $("passkey-login-error");
  button.hidden = !supported();
  button.addEventListener("click", async () => {
    say(problem, "");
    button.disabled = true;
    try {
      const started = await api.passkeyLoginOptions();
      let credential;
      try {
        credential = await navigator.credentials.get({
          publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(started.options),
        });
      } catch (error) {
        say(problem, browserRefusal(error));
        return;
      }
      const reply = await api.passkeyLogin(started.ceremony, credential.toJSON());
      app.signedIn(reply.user);
    } catch (error) {
      say(problem, error.message);
    } finally {
      button.disabled = false;
    }
  });
}

/** The Account view's Passkeys panel; returns `show()`, which loads the list. */
export function wirePasskeys() {
  const list = $("passkey-list");
  const status = $("passkeys-status");
  const problem = $("passkeys-error");

  async function load(notice = "") {
    say(problem, "");
    let passkeys;
    try {
      passkeys = await api.passkeys();
    } catch (error) {
      say(problem, `Could not load your passkeys: ${error.message}`);
      return;
    }
    list.replaceChildren(...passkeys.map((passkey) => {
      const item = document.createElement("li");
      const name = document.createElement("strong");
      name.textContent = passkey.name;
      const when = document.createElement("span");
      when.className = "help";
      when.append(" added ", timeElement(passkey.created_at), passkey.last_used_at
        ? ", last used " : ", not used yet");
      if (passkey.last_used_at) when.append(timeElement(passkey.last_used_at, "relative"));
      const rename = button("Rename", `Rename passkey ${passkey.name}`);
      rename.addEventListener("click", () => renameOne(passkey, item));
      const remove = button("Remove", `Remove passkey ${passkey.name}`);
      remove.addEventListener("click", () => removeOne(passkey, remove));
      item.append(name, when, rename, remove);
      return item;
    }));
    status.textContent = notice || (passkeys.length ? "" : "No passkeys yet.");
  }

  /** The passkey's line becomes a name field with Save and Cancel. */
  function renameOne(passkey, item) {
    const form = document.createElement("form");
    form.className = "rename";
    form.noValidate = true;
    const input = document.createElement("input");
    input.type = "text";
    input.maxLength = 60;
    input.value = passkey.name;
    input.setAttribute("aria-label", `New name for passkey ${passkey.name}`);
    const save = button("Save");
    save.type = "submit";
    save.className = "button button-primary";
    const cancel = button("Cancel");
    cancel.addEventListener("click", () => load());
    form.append(input, save, cancel);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = input.value.trim();
      if (!name) {
        say(problem, "Give the passkey a name.");
        input.focus();
        return;
      }
      save.disabled = true;
      try {
        const renamed = await api.renamePasskey(passkey.id, name);
        await load(`The passkey is now called "${renamed.name}".`);
      } catch (error) {
        save.disabled = false;
        say(problem, error.message);
      }
    });
    item.replaceChildren(form);
    input.select();
  }

  async function removeOne(passkey, button) {
    if (!window.confirm(`Remove the passkey "${passkey.name}"? It will no longer log you in.`)) return;
    button.disabled = true;
    try {
      const reply = await api.removePasskey(passkey.id);
      await load(reply.message);
      field(form, "name").focus();
    } catch (error) {
      button.disabled = false;
      say(problem, error.message);
    }
  }

  // Adding a passkey carries the current password (an account with none: one of its
  // passkeys, or its app's code), and with two-step login on a code from the app too: a
  // session alone must not add a way in.
  const form = $("passkey-form");
  const factorPart = $("passkey-factor");
  clearOnInput(form);
  const factorChoice = wireFactorChoice(form);
  form.hidden = !supported();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    say(problem, "");
    clearErrors(form);
    const password = field(form, "current_password").value;
    const { factor = {}, problems = {} } = factorPart.hidden ? {} : factorChoice.read();
    if (!password && asksPassword()) problems.current_password = "Enter your current password.";
    if (report(form, problems)) return;
    const name = field(form, "name").value.trim()
      || (navigator.platform ? `Passkey on ${navigator.platform}` : "Passkey");
    await busy(form, async () => {
      try {
        const proof = { ...await ownerProof(password, { codeProves: !factorPart.hidden }),
          ...factor };
        const started = await api.passkeyRegisterOptions();
        let credential;
        try {
          credential = await navigator.credentials.create({
            publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(started.options),
          });
        } catch (error) {
          say(problem, browserRefusal(error));
          return;
        }
        const added = await api.passkeyRegister(started.ceremony, credential.toJSON(), name, proof);
        clear();
        await load(`Added "${added.name}". You can log in with it instead of your password.`);
      } catch (error) {
        reportApiError(form, error);
      }
    });
  });

  /** Empty the form (after adding, and when the account view is left). */
  function clear() {
    concealPasswords(form);
    form.reset();
    factorChoice.reset();
    clearErrors(form);
  }

  return {
    async show() {
      clear();
      try {
        factorPart.hidden = !(await api.secondFactorStatus()).totp;
      } catch {
        factorPart.hidden = false;
      }
      await load();
    },
    hide: clear,
  };
}
