// The proof a credential change carries in its own request (issue 28): the current
// password, or, for an account with no password (made through an outside provider, or
// passkey-only), a fresh assertion by one of its passkeys. Where a form already carries a
// code from the authenticator app, that code proves a password-less account by itself.
// Whether the account has a password is learnt each time the Account view appears; the
// password fields of these forms (marked `data-password-proof`) are hidden without one.

import * as api from "./api.js";

let hasPassword = true;

function showFields() {
  for (const input of document.querySelectorAll("[data-password-proof] input")) {
    input.closest("[data-password-proof]").hidden = !hasPassword;
  }
  for (const note of document.querySelectorAll("[data-passkey-proof]")) note.hidden = hasPassword;
}

/** Learn whether the signed-in account has a password, and show its forms so. */
export async function learnOwnerProof() {
  try {
    hasPassword = (await api.linkedProviders()).has_password;
  } catch {
    hasPassword = true; // the server asks for the password then, as it always did
  }
  showFields();
}

/** Whether the form must ask for the current password. */
export const asksPassword = () => hasPassword;

/**
 * The proof to send: {current_password}, or for an account with no password {passkey}
 * (the browser asks for one of its passkeys), or {} when `codeProves` and the form sends
 * a code from the app instead.
 */
export async function ownerProof(password, { codeProves = false } = {}) {
  if (hasPassword) return { current_password: password };
  if (codeProves) return {};
  const started = await api.passkeyProofOptions();
  let credential;
  try {
    credential = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(started.options),
    });
  } catch (error) {
    throw new Error(error?.name === "NotAllowedError"
      ? "No passkey was used: the request was cancelled or timed out." : error.message);
  }
  return { passkey: { ceremony: started.ceremony, credential: credential.toJSON() } };
}

/** Back to the default at logout: the next account is asked for its password. */
export function forgetOwnerProof() {
  hasPassword = true;
  showFields();
}
