// The page: four views behind the URL's hash (#signup, #verify, #login, #chat) and the
// flow between them. The session is an HttpOnly cookie; the page only asks the server
// who is signed in (`GET /api/me`) and never holds a token.

import * as api from "./api.js";
import { Chat } from "./chat.js";
import {
  busy, clearErrors, clearOnInput, concealPasswords, field, report, reportApiError,
  showError, showFormError, wirePasswordToggles,
} from "./forms.js";
import { MIN_LENGTH, strength } from "./strength.js";

const VIEWS = ["signup", "verify", "login", "chat"];
const TITLES = { signup: "Sign up", verify: "Verify your email", login: "Log in", chat: "Chat" };
const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const RESEND_COOLDOWN_S = 60;
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
  resendTimer: null,
};

const $ = (id) => document.getElementById(id);
const forms = {
  signup: $("signup-form"),
  verify: $("verify-form"),
  login: $("login-form"),
};

const chat = new Chat({
  onSessionEnded: (reason) => {
    state.user = null;
    markSignedIn(false);
    go("login", { notice: reason, focus: "login-username" });
  },
  checkSession: () => api.me(),
});

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
  if (!VIEWS.includes(view)) view = state.user ? "chat" : "signup";
  if (state.user && view !== "chat") view = "chat";
  if (!state.user && view === "chat") view = "login";
  if (location.hash !== `#${view}`) history.replaceState(null, "", `#${view}`);
  show(view);
}

function show(view) {
  const previous = state.view;
  state.view = view;
  for (const name of VIEWS) $(`view-${name}`).hidden = name !== view;
  document.title = `${TITLES[view]} · authserver`;

  const notice = $("page-notice");
  notice.textContent = state.notice || "";
  notice.hidden = !state.notice;
  state.notice = null;

  $("account").hidden = !state.user;
  $("account-name").textContent = state.user ? state.user.username : "";
  if (previous && previous !== view && forms[previous]) concealPasswords(forms[previous]);

  if (view === "verify") {
    const email = field(forms.verify, "email");
    if (!email.value) email.value = pendingEmail();
    describeVerify(email.value);
  }
  if (view === "chat") chat.start(state.user);
  else chat.stop();

  const target = state.focus ? $(state.focus) : previous ? $(`${view}-title`) : null;
  state.focus = null;
  if (target) target.focus();
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
  const meter = form.querySelector(".strength");
  const hint = $("signup-password-strength");
  password.addEventListener("input", () => {
    const rating = strength(password.value, [field(form, "username").value, field(form, "email").value.split("@")[0]]);
    meter.dataset.level = String(rating.level);
    hint.textContent = rating.text;
  });

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
        reportApiError(form, error, guessField(error));
        return;
      }
      concealPasswords(form);
      form.reset();
      form.querySelector(".strength").dataset.level = "0";
      hint.textContent = strength("").text;
      state.signedUpAs = username;
      rememberEmail(email);
      field(forms.verify, "email").value = email;
      field(forms.verify, "code").value = "";
      clearErrors(forms.verify);
      go("verify", { notice: "Account created. One step left: confirm your email.", focus: "verify-code" });
    });
  });
}

// A 409 without a field still says which one is taken.
function guessField(error) {
  if (error.field) return error.field;
  if (error.status !== 409) return null;
  if (/e-?mail/i.test(error.message)) return "email";
  if (/user/i.test(error.message)) return "username";
  return null;
}

// Verify

function wireVerify(form) {
  const code = field(form, "code");
  code.addEventListener("input", () => {
    // People paste "123 456" or "123-456": keep the digits.
    const digits = code.value.replace(/\D/g, "").slice(0, 6);
    if (digits !== code.value) code.value = digits;
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const email = field(form, "email").value.trim();
    const digits = code.value.replace(/\D/g, "");
    const problems = {};
    if (!email) problems.email = "Enter the email address you signed up with.";
    else if (!EMAIL.test(email)) problems.email = "That does not look like an email address.";
    if (!digits) problems.code = "Enter the 6‑digit code from the email.";
    else if (digits.length !== 6) problems.code = `The code has 6 digits; this has ${digits.length}.`;
    if (report(form, problems)) return;

    await busy(form, async () => {
      try {
        await api.verifyEmail(email, digits);
      } catch (error) {
        if (error.code === "FAILED_PRECONDITION" && /already verified/i.test(error.message)) {
          finishVerify(email, error.message);
          return;
        }
        reportApiError(form, error, error.status === 429 ? "code" : null);
        return;
      }
      finishVerify(email, "Your email is confirmed. Log in to start chatting.");
    });
  });

  $("resend").addEventListener("click", () => resend(form));
}

function finishVerify(email, notice) {
  rememberEmail(null);
  field(forms.verify, "code").value = "";
  stopCooldown();
  const login = field(forms.login, "username");
  login.value = state.signedUpAs || email;
  clearErrors(forms.login);
  go("login", { notice, focus: "login-password" });
}

async function resend(form) {
  const button = $("resend");
  const status = $("resend-status");
  const problem = $("resend-error");
  problem.hidden = true;
  clearErrors(form);
  const email = field(form, "email").value.trim();
  if (!email || !EMAIL.test(email)) {
    report(form, { email: "Enter the email address you signed up with, then ask for a new code." });
    return;
  }
  button.disabled = true;
  status.textContent = "Sending…";
  try {
    await api.resendCode(email);
  } catch (error) {
    status.textContent = "";
    if (error.field === "email") showError(form, "email", error.message);
    else {
      problem.textContent = error.message;
      problem.hidden = false;
    }
    if (error.retryAfter) cooldown(error.retryAfter, "");
    else button.disabled = false;
    return;
  }
  rememberEmail(email);
  describeVerify(email);
  cooldown(RESEND_COOLDOWN_S, `We sent a new code to ${email}. It replaces the previous one.`);
}

function cooldown(seconds, message) {
  const button = $("resend");
  const status = $("resend-status");
  stopCooldown();
  const until = Date.now() + seconds * 1000;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      stopCooldown();
      return;
    }
    button.disabled = true;
    button.textContent = `send a new code (in ${left} s)`;
    status.textContent = message;
  };
  tick();
  state.resendTimer = setInterval(tick, 1000);
}

function stopCooldown() {
  clearInterval(state.resendTimer);
  state.resendTimer = null;
  const button = $("resend");
  button.disabled = false;
  button.textContent = "send a new code";
  $("resend-error").hidden = true;
  $("resend-status").textContent = "";
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
        reportApiError(form, error, error.status === 401 ? "password" : null);
        if (error.status === 401) field(form, "password").select();
        return;
      }
      // The reply's token is deliberately dropped: the HttpOnly cookie carries the session.
      concealPasswords(form);
      form.reset();
      state.user = reply.user;
      markSignedIn(true);
      go("chat", { focus: "composer-text" });
    });
  });
}

function showNotVerified(form, error, name) {
  const link = document.createElement("a");
  link.href = "#verify";
  link.textContent = "Enter your code";
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
  state.user = null;
  markSignedIn(false);
  go("login", { notice: "You have logged out.", focus: "login-username" });
}

async function start() {
  for (const form of Object.values(forms)) clearOnInput(form);
  wirePasswordToggles(document);
  wireSignup(forms.signup);
  wireVerify(forms.verify);
  wireLogin(forms.login);
  $("logout").addEventListener("click", logOut);
  window.addEventListener("hashchange", route);

  if (maybeSignedIn()) {
    try {
      state.user = await api.me();
      markSignedIn(state.user !== null);
    } catch (error) {
      state.notice = `Could not check your session: ${error.message}`;
    }
  }
  route();
  document.documentElement.dataset.ready = "true";
  performance.mark("app-ready");
}

start();
