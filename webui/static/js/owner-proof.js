// The proof a credential change carries in its own request (issue 28): the current
// password, or, for an account with no password (made through an outside provider, or
// passkey-only), a fresh assertion by one of its passkeys. Where a form already carries a
// code from the authenticator app, that code proves a password-less account by itself.
// Whether the account has a password is learnt each time the Account view appears; the
// password fields of these forms (marked `data-password-proof`) are hidden without one.
//
// Such an account may also prove itself by signing in again at a linked provider: each
// form then shows "Confirm with <provider>", a round-trip that comes back to the Account
// view; the server keeps the proof for this session, and the next change sent without a
// password or passkey uses it, once (docs/providers.md).

import * as api from "./api.js";

const PROVIDER_PROOF_KEY = "authserver.providerProof";
let hasPassword = true;
let linked = [];

function proofButtons() {
  return linked.map((link) => {
    const button = document.createElement("a");
    button.className = "button button-quiet";
    button.href = `/api/login/provider/${encodeURIComponent(link.provider)}?proof=1&next=`
      + encodeURIComponent("/#account");
    button.textContent = `Confirm with ${link.label}`;
    button.addEventListener("click", () => sessionStorage.setItem(PROVIDER_PROOF_KEY, "1"));
    return button;
  });
}

function showFields() {
  for (const input of document.querySelectorAll("[data-password-proof] input")) {
    input.closest("[data-password-proof]").hidden = !hasPassword;
  }
  for (const note of document.querySelectorAll("[data-passkey-proof]")) {
    note.hidden = hasPassword;
    let slot = note.nextElementSibling;
    if (!slot?.matches("[data-provider-proof]")) {
      slot = document.createElement("p");
      slot.dataset.providerProof = "";
      slot.className = "actions";
      note.after(slot);
    }
    slot.hidden = hasPassword || !linked.length;
    slot.replaceChildren(...(hasPassword ? [] : proofButtons()));
  }
}

/** Learn whether the signed-in account has a password, and show its forms so. */
export async function learnOwnerProof() {
  try {
    const state = await api.linkedProviders();
    hasPassword = state.has_password;
    linked = state.linked;
  } catch {
    hasPassword = true; // the server asks for the password then, as it always did
    linked = [];
  }
  showFields();
}

/** Whether the form must ask for the current password. */
export const asksPassword = () => hasPassword;

/**
 * The proof to send: {current_password}, or for an account with no password {passkey}
 * (the browser asks for one of its passkeys), or {} when `codeProves` and the form sends
 * a code from the app instead, or when the person just signed in again at a provider
 * ("Confirm with ...": the server holds that proof for this session).
 */
export async function ownerProof(password, { codeProves = false } = {}) {
  if (hasPassword) return { current_password: password };
  if (codeProves) return {};
  if (sessionStorage.getItem(PROVIDER_PROOF_KEY)) {
    // Signed in again at a provider just now: the server holds that proof for this session.
    sessionStorage.removeItem(PROVIDER_PROOF_KEY);
    return {};
  }
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
  linked = [];
  sessionStorage.removeItem(PROVIDER_PROOF_KEY);
  showFields();
}
