// Deleting the account: a modal dialog names what happens before anything does, and asks
// for the password again. The native <dialog> keeps focus inside it and closes on Escape.

import * as api from "./api.js";
import {
  busy, clearErrors, clearOnInput, concealPasswords, field, report, reportApiError,
} from "./forms.js";
import { asksPassword, ownerProof } from "./owner-proof.js";

/** Wire the "Delete account…" button and its dialog; `app` as in sessions.js. */
export function wireDeleteAccount(app) {
  const opener = document.getElementById("delete-open");
  const dialog = document.getElementById("delete-dialog");
  const form = document.getElementById("delete-form");
  const password = field(form, "current_password");
  clearOnInput(form);

  opener.addEventListener("click", () => {
    clearErrors(form);
    form.reset();
    document.getElementById("delete-name").textContent = app.user.username;
    dialog.showModal();
    (asksPassword() ? password : document.getElementById("delete-cancel")).focus();
  });
  document.getElementById("delete-cancel").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    concealPasswords(form);
    password.value = "";
    if (app.user) opener.focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const secret = password.value;
    if (report(form, secret || !asksPassword() ? {}
      : { current_password: "Enter your password to confirm." })) return;
    await busy(form, async () => {
      // This page's own socket would hear "session ended" before the reply arrives.
      app.pause();
      let reply;
      try {
        reply = await api.deleteAccount(await ownerProof(secret));
      } catch (error) {
        app.resume();
        reportApiError(form, error);
        return;
      }
      app.leave(reply.message);
      dialog.close();
    });
  });
}
