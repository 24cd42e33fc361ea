// Forgotten password: "Forgot password?" asks for a reset code by mail (#forgot), then the
// code and a new password set it (#reset). The server's reply to the request is the same
// whether or not the address has an account, and so is what this page says.

import * as api from "./api.js";
import { Resend, codeRefusal, readCode, wireCodeInput } from "./codes.js";
import {
  busy, clearErrors, clearOnInput, concealPasswords, field, report, reportApiError, showError,
} from "./forms.js";
import { EMAIL, PASSWORD_MIN_LENGTH } from "./rules.js";
import { wireStrength } from "./strength.js";

// The address being reset survives a reload of the Reset view (not a secret).
const RESET_EMAIL_KEY = "authserver.reset-email";

function remember(email) {
  try {
    if (email) sessionStorage.setItem(RESET_EMAIL_KEY, email);
    else sessionStorage.removeItem(RESET_EMAIL_KEY);
  } catch {
    // Storage may be off (private mode); the field just starts empty after a reload.
  }
}

function remembered() {
  try {
    return sessionStorage.getItem(RESET_EMAIL_KEY) || "";
  } catch {
    return "";
  }
}

function emailProblem(email) {
  if (!email) return "Enter the email address of your account.";
  if (!EMAIL.test(email)) return "That does not look like an email address, for example ada@example.com.";
  return null;
}

/** The reset's notice with what else logs in to the account (passkeys, second factors),
 * so that its owner can remove, once logged in, any they do not know. */
function withWaysIn(reply) {
  const ways = [...reply.passkeys.map((name) => `passkey "${name}"`), ...reply.second_factors];
  return ways.length ? `${reply.message} (${ways.join("; ")})` : reply.message;
}

/**
 * Wire the Forgot and Reset views. `app.go(view, options)` moves between views;
 * `app.passwordReset(email, notice)` takes the person to log in with the new password.
 * Returns the views' hooks: `reset.show()` when the Reset view appears, and
 * `forgot.prefill(email)` to start a reset for an address typed elsewhere (a sign-up
 * refused because the address is taken).
 */
export function wirePasswordReset(app) {
  const forgot = document.getElementById("forgot-form");
  const reset = document.getElementById("reset-form");
  const resetEmail = field(reset, "email");
  const code = field(reset, "code");
  const password = field(reset, "new_password");
  const resend = new Resend({
    button: document.getElementById("reset-resend"),
    status: document.getElementById("reset-resend-status"),
    problem: document.getElementById("reset-resend-error"),
  });
  clearOnInput(forgot);
  clearOnInput(reset);
  wireCodeInput(code);
  const rate = wireStrength(password, () => [resetEmail.value.split("@")[0]]);

  forgot.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(forgot);
    const email = field(forgot, "email").value.trim();
    const problem = emailProblem(email);
    if (report(forgot, problem ? { email: problem } : {})) return;
    await busy(forgot, async () => {
      let reply;
      try {
        reply = await api.forgotPassword(email);
      } catch (error) {
        reportApiError(forgot, error, error.status === 429 ? "email" : null);
        return;
      }
      remember(email);
      resetEmail.value = email;
      code.value = "";
      clearErrors(reset);
      resend.wait(resend.waitSeconds, "");
      app.go("reset", { notice: reply.message, focus: "reset-code" });
    });
  });

  reset.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(reset);
    const email = resetEmail.value.trim();
    const entered = readCode(code, "Enter the 6‑digit code from the email.");
    const secret = password.value;
    const problems = {};
    const emailWrong = emailProblem(email);
    if (emailWrong) problems.email = emailWrong;
    if (entered.problem) problems.code = entered.problem;
    if (!secret) problems.new_password = "Choose a new password.";
    else if (secret.length < PASSWORD_MIN_LENGTH) problems.new_password = `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
    if (report(reset, problems)) return;
    await busy(reset, async () => {
      let reply;
      try {
        reply = await api.resetPassword(email, entered.digits, secret);
      } catch (error) {
        if (error.field === "code") showError(reset, "code", codeRefusal(error)).focus();
        else reportApiError(reset, error, error.status === 429 ? "code" : null);
        return;
      }
      concealPasswords(reset);
      reset.reset();
      rate();
      resend.stop();
      remember(null);
      app.passwordReset(email, withWaysIn(reply));
    });
  });

  resend.button.addEventListener("click", () => {
    clearErrors(reset);
    const email = resetEmail.value.trim();
    const problem = emailProblem(email);
    if (problem) {
      report(reset, { email: problem });
      return;
    }
    resend.run(async () => {
      await api.forgotPassword(email);
      remember(email);
      return `If ${email} belongs to an account, a new code is on its way. Use the latest one.`;
    });
  });

  return {
    reset: {
      show() {
        if (!resetEmail.value) resetEmail.value = remembered();
      },
    },
    forgot: {
      prefill(email) {
        field(forgot, "email").value = email;
        clearErrors(forgot);
      },
    },
  };
}
