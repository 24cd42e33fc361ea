// Outside OpenID Providers ("Continue with ..."): a button per provider on the login view,
// and the Account view's panel of linked providers (link another, unlink one). Signing
// in there is a full-page trip to the provider and back to /api/login/provider/NAME/
// callback; the server answers a sign-in that still needs this account's second factor
// with a short-lived cookie naming the login's challenge, which the second step reads.

import * as api from "./api.js";
import { returnTo } from "./return-to.js";

const $ = (id) => document.getElementById(id);
const CHALLENGE_COOKIE = "authserver_second_factor";
// main.js's flag: the page back from the provider asks `GET /api/me` only when it is set.
const SIGNED_IN_KEY = "authserver.signed-in";

function mayComeBackSignedIn() {
  try {
    localStorage.setItem(SIGNED_IN_KEY, "1");
  } catch {
    // Without storage the page asks the server every time anyway.
  }
}

function startUrl(name, extra = "") {
  const next = returnTo ? `next=${encodeURIComponent(returnTo)}` : "";
  const query = [next, extra].filter(Boolean).join("&");
  return `/api/login/provider/${encodeURIComponent(name)}${query ? `?${query}` : ""}`;
}

/** The login view's buttons, one per provider, labelled as the operator set. */
export async function showProviderButtons() {
  const list = $("provider-buttons");
  let buttons = [];
  try {
    buttons = await api.loginProviders();
  } catch {
    buttons = [];  // the password form still works; the buttons are an extra
  }
  list.replaceChildren(...buttons.map((provider) => {
    const link = document.createElement("a");
    link.className = "button button-quiet provider-button";
    link.href = startUrl(provider.name);
    link.textContent = provider.label;
    // A first visit has no flag yet, and would come back looking signed out.
    link.addEventListener("click", mayComeBackSignedIn);
    return link;
  }));
  list.hidden = buttons.length === 0;
}

/** The second step's challenge a provider's sign-in left (base64url JSON, as the
 * login's 401 carries it), read once; or null. */
export function takeProviderChallenge() {
  const found = document.cookie.split("; ").find((c) => c.startsWith(`${CHALLENGE_COOKIE}=`));
  if (!found) return null;
  document.cookie = `${CHALLENGE_COOKIE}=; path=/; max-age=0; samesite=strict`;
  const encoded = found.slice(CHALLENGE_COOKIE.length + 1).replace(/-/g, "+").replace(/_/g, "/");
  try {
    return JSON.parse(atob(encoded));
  } catch {
    return null;  // not ours: the person logs in again
  }
}

/** The Account view's panel; returns `show()`. */
export function wireLinkedProviders() {
  const list = $("provider-list");
  const status = $("providers-status");
  const problem = $("providers-error");
  const links = $("provider-link-buttons");

  async function unlink(name) {
    problem.hidden = true;
    try {
      const reply = await api.unlinkProvider(name);
      status.textContent = reply.message;
    } catch (error) {
      problem.textContent = error.message;
      problem.hidden = false;
      return;
    }
    await show();
  }

  async function show() {
    let state;
    try {
      state = await api.linkedProviders();
    } catch (error) {
      problem.textContent = `Could not load linked providers: ${error.message}`;
      problem.hidden = false;
      return;
    }
    list.replaceChildren(...state.linked.map((link) => {
      const item = document.createElement("li");
      const words = document.createElement("span");
      words.textContent = `${link.label}${link.email ? ` (${link.email})` : ""}`;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button-quiet";
      button.textContent = "Unlink";
      button.addEventListener("click", () => unlink(link.provider));
      item.append(words, " ", button);
      return item;
    }));
    if (!state.linked.length) status.textContent = "No provider is linked.";
    else if (!state.has_password) {
      status.textContent = "This account has no password yet: \"Forgot password?\" on the "
        + "login page sets one.";
    } else status.textContent = "";
    links.replaceChildren(...state.available.map((provider) => {
      const link = document.createElement("a");
      link.className = "button button-primary";
      link.href = startUrl(provider.name, "link=1");
      link.textContent = `Link: ${provider.label}`;
      return link;
    }));
  }

  return { show };
}
