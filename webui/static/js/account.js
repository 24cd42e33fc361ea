// The Account view: the profile, changing the password and the email address, and the
// sessions table (sessions.js). Reached from the account corner's "Account" link.

import * as api from "./api.js";
import { codeRefusal, readCode, wireCodeInput } from "./codes.js";
import {
  busy, clearErrors, clearOnInput, concealPasswords, field, report, reportApiError, showDone,
  showError,
} from "./forms.js";
import { EMAIL, PASSWORD_MIN_LENGTH } from "./rules.js";
import { Apps } from "./apps.js";
import { Sessions } from "./sessions.js";
import { wireStrength } from "./strength.js";
import { timeElement } from "./times.js";
import { wirePasskeys } from "./passkeys.js";
import { wireLinkedProviders } from "./providers.js";
import { wireApprovalSetting, wireTwoStep } from "./two-step.js";
import { asksPassword, forgetOwnerProof, learnOwnerProof, ownerProof } from "./owner-proof.js";

const $ = (id) => document.getElementById(id);

function newPasswordProblem(secret) {
  if (!secret) return "Choose a new password.";
  if (secret.length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  return null;
}

/** Only the problems that are there: {name: message} without the nulls. */
function found(problems) {
  return Object.fromEntries(Object.entries(problems).filter(([, message]) => message));
}

/**
 * Wire the Account view. `app.user` is the signed-in user; `app.setUser(user)` updates
 * it everywhere; `app.leave`, `app.pause`, `app.resume` as in sessions.js.
 * Returns `show()`, called each time the view appears.
 */
export function wireAccount(app) {
  const sessions = new Sessions(app);
  const apps = new Apps();
  const twoStep = wireTwoStep(app);
  const approval = wireApprovalSetting();
  const passkeys = wirePasskeys();
  const providers = wireLinkedProviders();
  const passwordForm = $("password-form");
  const emailForm = $("email-form");
  const confirmForm = $("confirm-form");
  const emailDone = $("email-done");
  for (const form of [passwordForm, emailForm, confirmForm]) clearOnInput(form);
  const rate = wireStrength(field(passwordForm, "new_password"),
    () => [app.user.username, app.user.email.split("@")[0]]);
  wireCodeInput(field(confirmForm, "code"));

  function renderProfile(user) {
    $("profile-username").textContent = user.username;
    $("profile-email").textContent = user.email;
    $("profile-since").replaceChildren(timeElement(user.created_at));
  }

  function askForAddress() {
    confirmForm.hidden = true;
    emailForm.hidden = false;
    clearErrors(confirmForm);
    field(confirmForm, "code").value = "";
  }

  passwordForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(passwordForm);
    const current = field(passwordForm, "current_password").value;
    const fresh = field(passwordForm, "new_password").value;
    const problems = found({
      current_password: current ? null : "Enter your current password.",
      new_password: newPasswordProblem(fresh),
    });
    if (report(passwordForm, problems)) return;
    await busy(passwordForm, async () => {
      let reply;
      try {
        reply = await api.changePassword(current, fresh);
      } catch (error) {
        reportApiError(passwordForm, error);
        return;
      }
      concealPasswords(passwordForm);
      passwordForm.reset();
      rate();
      showDone(passwordForm, reply.message);
      await sessions.load();
    });
  });

  emailForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(emailForm);
    emailDone.hidden = true;
    const address = field(emailForm, "new_email").value.trim();
    const current = field(emailForm, "current_password").value;
    const problems = found({
      new_email: !address ? "Enter the new address."
        : !EMAIL.test(address) ? "That does not look like an email address, for example ada@example.com."
          : address.toLowerCase() === app.user.email.toLowerCase() ? "That is already your address." : null,
      current_password: current || !asksPassword() ? null : "Enter your current password.",
    });
    if (report(emailForm, problems)) return;
    await busy(emailForm, async () => {
      try {
        await api.changeEmail(await ownerProof(current), address);
      } catch (error) {
        reportApiError(emailForm, error);
        return;
      }
      concealPasswords(emailForm);
      emailForm.reset();
      emailForm.hidden = true;
      confirmForm.hidden = false;
      const strong = document.createElement("strong");
      strong.textContent = address;
      $("confirm-code-help").replaceChildren("We sent a 6‑digit code to ", strong,
        ". Until you enter it, your account keeps its current address.");
      field(confirmForm, "code").focus();
    });
  });

  confirmForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(confirmForm);
    const input = field(confirmForm, "code");
    const entered = readCode(input, "Enter the 6‑digit code sent to the new address.");
    if (report(confirmForm, found({ code: entered.problem }))) return;
    await busy(confirmForm, async () => {
      let reply;
      try {
        reply = await api.confirmEmail(entered.digits);
        const user = await api.me();
        if (user) app.setUser(user);
      } catch (error) {
        if (error.field === "code") showError(confirmForm, "code", codeRefusal(error)).focus();
        else reportApiError(confirmForm, error);
        return;
      }
      askForAddress();
      renderProfile(app.user);
      emailDone.textContent = reply.message;
      emailDone.hidden = false;
      field(emailForm, "new_email").focus();
    });
  });

  $("confirm-cancel").addEventListener("click", () => {
    askForAddress();
    field(emailForm, "new_email").focus();
  });

  return {
    show() {
      renderProfile(app.user);
      learnOwnerProof();
      twoStep.show();
      approval.show();
      passkeys.show();
      providers.show();
      sessions.load();
      apps.load();
    },
    hide() {
      for (const form of [passwordForm, emailForm, confirmForm]) concealPasswords(form);
      twoStep.hide();
      passkeys.hide();
      approval.hide();
    },
    forget() {
      this.hide();
      forgetOwnerProof();
    },
  };
}
