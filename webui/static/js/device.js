// "Connect a device" (RFC 8628): the person types the code a CLI or TV shows (or arrives
// from its `/device?user_code=...` link), sees which app asks and what it would see, and
// approves. Nothing is approved before the app and its scopes are on the screen.

import * as api from "./api.js";
import { busy, clearErrors, field, reportApiError, showDone } from "./forms.js";

const SCOPE_WORDS = {
  openid: "who you are",
  profile: "your username",
  email: "your email address",
  offline_access: "access while you are away",
};

const params = new URLSearchParams(location.search);

/** Did the person come through `/device` (which always adds `user_code`, maybe empty)? */
export const cameForDevice = params.has("user_code");

/** The code a device's `verification_uri_complete` link brought ("" when none). */
const linkedCode = params.get("user_code") || "";

export function wireDevice() {
  const form = document.getElementById("device-form");
  const asks = document.getElementById("device-asks");
  const approve = document.getElementById("device-approve");
  const done = document.getElementById("device-done");
  let found = null;

  function reset() {
    found = null;
    asks.hidden = true;
    approve.hidden = true;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    done.hidden = true;
    reset();
    await busy(form, async () => {
      try {
        found = await api.deviceLookup(field(form, "user_code").value);
      } catch (error) {
        reportApiError(form, error, "user_code");
        return;
      }
      const sees = found.scopes.map((scope) => SCOPE_WORDS[scope] || scope).join(", ");
      document.getElementById("device-app").textContent = found.name;
      document.getElementById("device-scopes").textContent = sees;
      asks.hidden = false;
      approve.hidden = false;
      approve.focus();
    });
  });

  approve.addEventListener("click", async () => {
    if (!found) return;
    approve.disabled = true;
    try {
      const reply = await api.deviceApprove(found.user_code);
      reset();
      showDone(form, reply.message);
      done.hidden = false;
    } catch (error) {
      reportApiError(form, error, "user_code");
    } finally {
      approve.disabled = false;
    }
  });

  return {
    show() {
      if (linkedCode && !field(form, "user_code").value) field(form, "user_code").value = linkedCode;
    },
  };
}
