// The page: views behind the URL's hash and the flow between them. Signed out: #signup,
// #verify, #login, #second-factor, #forgot, #reset; signed in: #chat (unless the server
// says CHAT=off: GET /api/config), #account, and for administrators #admin. The session is an
// HttpOnly cookie; the page only asks the server who is signed in (`GET /api/me`) and
// never holds a token. While signed in, one live connection (chat.js) stays open on every
// view, so a session ended elsewhere brings the page back to log in at once.

import { wireAccount } from "./account.js";
import { wireApprovalPrompt } from "./approval.js";
import { wireAdmin } from "./admin.js";
import * as api from "./api.js";
import { Chat } from "./chat.js";
import { Resend, codeRefusal, readCode, wireCodeInput } from "./codes.js";
import { wireDeleteAccount } from "./delete-account.js";
import { cameForDevice, wireDevice } from "./device.js";
import {
  busy, clearErrors, clearOnInput, concealPasswords, field, report, reportApiError,
  showError, showFormError, wirePasswordToggles,
} from "./forms.js";
import { forgetEveryone } from "./clean-slate.js";
import { wirePasskeyLogin } from "./passkeys.js";
import { showProviderButtons, takeProviderChallenge } from "./providers.js";
import { goBack, loginHint, reauth, returnTo } from "./return-to.js";
import { wirePasswordReset } from "./password-reset.js";
import { wireSecondFactor } from "./second-factor.js";
import { EMAIL, USERNAME } from "./rules.js";
import { MIN_LENGTH, wireStrength } from "./strength.js";

const SIGNED_OUT = ["signup", "verify", "login", "second-factor", "forgot", "reset"];
let SIGNED_IN = ["chat", "account", "admin", "device"];
let VIEWS = [...SIGNED_OUT, ...SIGNED_IN];
// The product's name (APP_NAME), written into the page by the server.
const APP_NAME = document.querySelector('meta[name="application-name"]').content;
// What the deployment offers (GET /api/config); until it answers, what the seed offered.
const offers = { chat: true, presence: "everyone" };
const TITLES = {
  signup: "Sign up", verify: "Verify your email", login: "Log in",
  "second-factor": "Two-step login", forgot: "Forgot password", admin: "Users",
  reset: "Set a new password", chat: "Chat", account: "Your account",
  device: "Connect a device",
};
// The address waiting for its code survives a reload of the Verify view (not a secret).
const PENDING_EMAIL_KEY = "authserver.pending-email";
// A flag, not a credential: this browser logged in and has not logged out since. Without
// it the page skips `GET /api/me`, so a first visit makes no request that is bound to
// fail (and Chromium logs no 401 in the console).
const SIGNED_IN_KEY = "authserver.signed-in";

const state = {
  user: null,
  view: null,
  notice: null,
  focus: null,
  signedUpAs: null,
};

const $ = (id) => document.getElementById(id);
const forms = {
  signup: $("signup-form"),
  verify: $("verify-form"),
  login: $("login-form"),
};

const approvalPrompt = wireApprovalPrompt({ go: (view, options) => go(view, options) });
const chat = new Chat({
  onSessionEnded: (reason) => leave(reason),
  onApprovalRequest: (request, answer) => approvalPrompt.ask(request, answer),
  onApprovalClosed: (closed) => approvalPrompt.closed(closed),
  checkSession: () => api.me(),
  onOnline: (count, shown) => views.admin?.online(count, shown),
  onRoleChanged: (role) => roleChanged(role),
});

/** This account's role was given or taken away: the Admin link follows it at once, and a
 * page on the Admin view when the role goes leaves it, saying why. */
function roleChanged(role) {
  if (!state.user) return;
  state.user = { ...state.user, role };
  if (role !== "admin" && state.view === "admin") {
    go(app.home, { notice: "You are no longer an administrator of this server." });
  } else {
    renderAccountCorner();
  }
}

/** This browser's session is over (ended here or elsewhere): back to log in, saying why,
 * with nothing of the last person left on the page. */
function leave(notice) {
  chat.stop();
  views[state.view]?.hide?.();
  state.user = null;
  state.signedUpAs = null;
  markSignedIn(false);
  forgetEveryone(views);
  go("login", { notice, focus: "login-username" });
}

// What the view modules may do to the page as a whole.
const app = {
  get user() {
    return state.user;
  },
  /** Where a signed-in person lands: the chat, or their account when chat is off. */
  get home() {
    return offers.chat ? "chat" : "account";
  },
  appName: APP_NAME,
  go,
  leave,
  setUser(user) {
    state.user = user;
    renderAccountCorner();
  },
  signedIn,
  pause: () => chat.stop(),
  resume: () => state.user && chat.start(state.user),
  passwordReset(email, notice) {
    field(forms.login, "username").value = email;
    clearErrors(forms.login);
    go("login", { notice, focus: "login-password" });
  },
};
let views = {};

function pendingEmail() {
  try {
    return sessionStorage.getItem(PENDING_EMAIL_KEY) || "";
  } catch {
    return "";
  }
}

function markSignedIn(signedIn) {
  try {
    if (signedIn) localStorage.setItem(SIGNED_IN_KEY, "1");
    else localStorage.removeItem(SIGNED_IN_KEY);
  } catch {
    // Without storage the page simply asks the server every time.
  }
}

function maybeSignedIn() {
  try {
    return localStorage.getItem(SIGNED_IN_KEY) !== null;
  } catch {
    return true;
  }
}

function rememberEmail(email) {
  try {
    if (email) sessionStorage.setItem(PENDING_EMAIL_KEY, email);
    else sessionStorage.removeItem(PENDING_EMAIL_KEY);
  } catch {
    // Storage may be off (private mode); the field just starts empty after a reload.
  }
}

/** Move to `view`, with an optional notice on top and the element id to focus. */
function go(view, { notice = null, focus = null } = {}) {
  state.notice = notice;
  state.focus = focus;
  if (location.hash === `#${view}`) route();
  else location.hash = view;
}

function route() {
  let view = location.hash.replace(/^#/, "");
  if (!VIEWS.includes(view)) view = state.user ? app.home : "signup";
  if (state.user && !SIGNED_IN.includes(view)) view = app.home;
  if (!state.user && SIGNED_IN.includes(view)) view = "login";
  if (location.hash !== `#${view}`) history.replaceState(null, "", `#${view}`);
  show(view);
}

function show(view) {
  const previous = state.view;
  state.view = view;
  // Every view the page has (chat too when the deployment has none: it stays hidden).
  for (const name of [...SIGNED_OUT, "chat", "account", "admin", "device"]) $(`view-${name}`).hidden = name !== view;
  document.title = `${TITLES[view]} · ${APP_NAME}`;

  const notice = $("page-notice");
  notice.textContent = state.notice || "";
  notice.hidden = !state.notice;
  state.notice = null;

  renderAccountCorner();
  if (previous && previous !== view) {
    if (forms[previous]) concealPasswords(forms[previous]);
    views[previous]?.hide?.();
  }

  if (view === "verify") {
    const email = field(forms.verify, "email");
    if (!email.value) email.value = pendingEmail();
    describeVerify(email.value);
  }
  views[view]?.show?.();
  if (state.user) chat.start(state.user);
  else chat.stop();

  const target = state.focus ? $(state.focus) : previous ? $(`${view}-title`) : null;
  state.focus = null;
  if (target) target.focus();
}

function renderAccountCorner() {
  $("account").hidden = !state.user;
  $("account-name").textContent = state.user ? state.user.username : "";
  // A long name is cut with an ellipsis in the corner; the whole of it shows on hover.
  $("account-name").title = state.user ? state.user.username : "";
  $("admin-link").hidden = !state.user || state.user.role !== "admin";
  for (const [view, link] of [["account", $("account-link")], ["admin", $("admin-link")]]) {
    if (state.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function describeVerify(email) {
  const lead = $("verify-lead");
  if (!email) {
    lead.textContent = "Enter your email and the 6‑digit code we sent to it.";
    return;
  }
  const strong = document.createElement("strong");
  strong.textContent = email;
  lead.replaceChildren("We sent a 6‑digit code to ", strong, ". Enter it below to confirm your address.");
}

// Sign up

function wireSignup(form) {
  const password = field(form, "password");
  const rate = wireStrength(password,
    () => [field(form, "username").value, field(form, "email").value.split("@")[0]]);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const username = field(form, "username").value.trim();
    const email = field(form, "email").value.trim();
    const secret = password.value;
    const problems = {};
    if (!username) problems.username = "Choose a username.";
    else if (!USERNAME.test(username)) problems.username = "Use 3 to 32 letters, digits, dots, dashes or underscores (no spaces).";
    if (!email) problems.email = "Enter your email address.";
    else if (!EMAIL.test(email)) problems.email = "That does not look like an email address, for example ada@example.com.";
    if (!secret) problems.password = "Choose a password.";
    else if (secret.length < MIN_LENGTH) problems.password = `Use at least ${MIN_LENGTH} characters.`;
    if (report(form, problems)) return;

    await busy(form, async () => {
      try {
        await api.signup(username, email, secret);
      } catch (error) {
        reportApiError(form, error);
        if (error.code === "ALREADY_EXISTS" && error.field === "email") offerReset(form, email);
        return;
      }
      concealPasswords(form);
      form.reset();
      rate();
      state.signedUpAs = username;
      rememberEmail(email);
      field(forms.verify, "email").value = email;
      field(forms.verify, "code").value = "";
      clearErrors(forms.verify);
      go("verify", { notice: "Account created. One step left: confirm your email.", focus: "verify-code" });
    });
  });
}

// The address belongs to a verified account: most likely the person's own, forgotten.
function offerReset(form, email) {
  const link = document.createElement("a");
  link.href = "#forgot";
  link.textContent = "reset its password";
  link.addEventListener("click", () => {
    views.forgot.prefill(email);
    state.focus = "forgot-email";
  });
  $("signup-email-error").append(" If it is yours, ", link, ".");
}

// Verify

const resendVerification = new Resend({
  button: $("resend"), status: $("resend-status"), problem: $("resend-error"),
});

function wireVerify(form) {
  const code = field(form, "code");
  wireCodeInput(code);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const email = field(form, "email").value.trim();
    const entered = readCode(code, "Enter the 6‑digit code from the email.");
    const problems = {};
    if (!email) problems.email = "Enter the email address you signed up with.";
    else if (!EMAIL.test(email)) problems.email = "That does not look like an email address.";
    if (entered.problem) problems.code = entered.problem;
    if (report(form, problems)) return;

    await busy(form, async () => {
      try {
        await api.verifyEmail(email, entered.digits);
      } catch (error) {
        // The one precondition of verifying: the address is verified already.
        if (error.code === "FAILED_PRECONDITION") {
          finishVerify(email, error.message);
          return;
        }
        if (error.field === "code") showError(form, "code", codeRefusal(error)).focus();
        else reportApiError(form, error, error.status === 429 ? "code" : null);
        return;
      }
      finishVerify(email, offers.chat ? "Your email is confirmed. Log in to start chatting."
        : "Your email is confirmed. You can log in now.");
    });
  });

  $("resend").addEventListener("click", () => resend(form));
}

function finishVerify(email, notice) {
  rememberEmail(null);
  field(forms.verify, "code").value = "";
  resendVerification.stop();
  const login = field(forms.login, "username");
  login.value = state.signedUpAs || email;
  clearErrors(forms.login);
  go("login", { notice, focus: "login-password" });
}

async function resend(form) {
  clearErrors(form);
  const email = field(form, "email").value.trim();
  if (!email || !EMAIL.test(email)) {
    report(form, { email: "Enter the email address you signed up with, then ask for a new code." });
    return;
  }
  const sent = await resendVerification.run(async () => {
    await api.resendCode(email);
    return `We sent a new code to ${email}. It replaces the previous one.`;
  });
  if (!sent) return;
  rememberEmail(email);
  describeVerify(email);
}

// Log in

function wireLogin(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const name = field(form, "username").value.trim();
    const secret = field(form, "password").value;
    const problems = {};
    if (!name) problems.username = "Enter your username or email.";
    if (!secret) problems.password = "Enter your password.";
    if (report(form, problems)) return;

    await busy(form, async () => {
      let reply;
      try {
        reply = await api.login(name, secret);
      } catch (error) {
        if (error.status === 403) {
          showNotVerified(form, error, name);
          return;
        }
        if (error.secondFactor) {
          concealPasswords(form);
          field(form, "password").value = "";
          views["second-factor"].begin(error.secondFactor);
          return;
        }
        reportApiError(form, error, error.status === 401 ? "password" : null);
        if (error.status === 401) field(form, "password").select();
        return;
      }
      // The reply's token is deliberately dropped: the HttpOnly cookie carries the session.
      signedIn(reply.user);
    });
  });
}

/** A login (one step or two) is done: into the chat (or the account) as `user`. */
function signedIn(user) {
  concealPasswords(forms.login);
  forms.login.reset();
  state.user = user;
  markSignedIn(true);
  if (returnTo) {
    goBack();
    return;
  }
  if (cameForDevice) {
    go("device");  // the person came for a device: back to its page
    return;
  }
  go(app.home, { focus: offers.chat ? "composer-text" : "account-title" });
}

/** Learn what the deployment offers; without chat the page has no Chat view. */
async function configure() {
  try {
    Object.assign(offers, await api.config());
  } catch {
    // An old server has no /api/config: it offers what the seed did.
  }
  chat.configure(offers);
  if (offers.chat) return;
  SIGNED_IN = SIGNED_IN.filter((name) => name !== "chat");
  VIEWS = [...SIGNED_OUT, ...SIGNED_IN];
  for (const link of document.querySelectorAll('a[href="#chat"]')) link.hidden = true;
  for (const lead of document.querySelectorAll("[data-without-chat]")) lead.textContent = lead.dataset.withoutChat;
}

function showNotVerified(form, error, name) {
  const link = document.createElement("a");
  link.href = "#verify";
  link.textContent = "Enter your code or get a new one";
  link.addEventListener("click", () => {
    if (name.includes("@")) {
      field(forms.verify, "email").value = name;
      rememberEmail(name);
    }
    state.focus = name.includes("@") ? "verify-code" : "verify-email";
  });
  showFormError(form, error.message);
  $("login-form-error").append(" ", link, ".");
}

async function logOut() {
  const button = $("logout");
  button.disabled = true;
  // Close this tab's socket first: the server's `session_revoked` is for the others.
  chat.stop();
  try {
    await api.logout();
  } catch (error) {
    if (error.status !== 401) {
      button.disabled = false;
      state.notice = `Could not log out: ${error.message}`;
      show(state.view);
      return;
    }
  }
  button.disabled = false;
  leave("You have logged out.");
}

async function start() {
  for (const form of Object.values(forms)) clearOnInput(form);
  wirePasswordToggles(document);
  wireSignup(forms.signup);
  wireVerify(forms.verify);
  wireLogin(forms.login);
  views = {
    ...wirePasswordReset(app),
    account: wireAccount(app),
    "second-factor": wireSecondFactor(app),
    admin: wireAdmin(app),
    device: wireDevice(),
  };
  wireDeleteAccount(app);
  wirePasskeyLogin(app);
  $("logout").addEventListener("click", logOut);
  window.addEventListener("hashchange", route);
  await configure();

  if (maybeSignedIn()) {
    try {
      state.user = await api.me();
      markSignedIn(state.user !== null);
    } catch (error) {
      state.notice = `Could not check your session: ${error.message}`;
    }
  }
  showProviderButtons();
  const providerChallenge = state.user ? null : takeProviderChallenge();
  if (providerChallenge) {
    // Back from an outside provider: this account's second factor is still to give.
    views["second-factor"].begin(providerChallenge);
    document.documentElement.dataset.ready = "true";
    return;
  }
  if (returnTo && state.user && !reauth) {
    goBack();
    return;
  }
  if (returnTo) {
    // An app asked for a sign-in: the login view, even over a session it wants renewed.
    state.user = null;
    if (loginHint) field(forms.login, "username").value = loginHint;
    const lead = forms.login.closest("section")?.querySelector("[data-without-chat]");
    if (lead) lead.textContent = lead.dataset.withoutChat;  // the app, not the chat, waits
    state.notice = reauth ? "Sign in again to continue to the app."
      : "Sign in to continue to the app.";
    if (location.hash !== "#login") history.replaceState(null, "", "#login");
  }
  route();
  document.documentElement.dataset.ready = "true";
  performance.mark("app-ready");
}

start();
