// A sign-in asked for by another app: the OpenID Provider's authorization endpoint sends
// a person without a session here as `/?next=/oauth2/authorize?...#login` (with
// `reauth=1` when the app wants a fresh sign-in, and the app's `login_hint`). Once signed
// in, the browser goes back to that request. Only that one same-origin path is honoured,
// so the parameter cannot send anyone to another site.

const params = new URLSearchParams(location.search);
const next = params.get("next");

/** The authorization request to go back to, or null. */
export const returnTo = next && next.startsWith("/oauth2/authorize?") ? next : null;

/** Must the person sign in again even with a session (`prompt=login`, `max_age`)? */
export const reauth = returnTo !== null && params.get("reauth") === "1";

/** The name the app suggests for the login form. */
export const loginHint = returnTo !== null ? params.get("login_hint") : null;

export function goBack() {
  location.assign(returnTo);
}
