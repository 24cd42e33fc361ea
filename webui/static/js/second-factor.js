// The login's second step (#second-factor): after the right password for an account with
// two-step login, a code from the authenticator app, or a recovery code, finishes it; after
// an outside provider's sign-in, the account's passkey may too. The challenge the server
// answered with lives only here, in memory: a reload starts over.

import * as api from "./api.js";
import { readCode, wireCodeInput } from "./codes.js";
import { busy, clearErrors, clearOnInput, field, report, showError, showFormError } from "./forms.js";

const RECOVERY_CODE = /^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$/;
const USE_RECOVERY = "Lost your phone? Use a recovery code";
const USE_APP = "Use the code from your app";
const RECOVERY_LEAD = "Your password is right. Now enter one of the recovery codes you saved " +
  "when you set up two-step login (8 letters or digits, like k7m2-q9xd). Each works once.";

/**
 * A form asking for a code from the app or, after its switch button, a recovery code
 * (`#<form>-code-field`, `#<form>-recovery-field`, `#<form>-switch`). Returns
 * `read()`, giving `{factor}` ({code} or {recovery_code}) or `{problems}`, and `reset()`.
 */
export function wireFactorChoice(form) {
  const name = form.id.replace(/-form$/, "");
  const codeField = document.getElementById(`${name}-code-field`);
  const recoveryField = document.getElementById(`${name}-recovery-field`);
  const toggle = document.getElementById(`${name}-switch`);
  const code = field(form, "code");
  const recovery = field(form, "recovery_code");
  // The lead above the form, when it has one, says which of the two is asked for.
  const lead = document.getElementById(`${name}-lead`);
  const appLead = lead?.textContent;
  wireCodeInput(code);

  function use(recoveryCode) {
    clearErrors(form);
    codeField.hidden = recoveryCode;
    recoveryField.hidden = !recoveryCode;
    toggle.textContent = recoveryCode ? USE_APP : USE_RECOVERY;
    if (lead) lead.textContent = recoveryCode ? RECOVERY_LEAD : appLead;
    (recoveryCode ? recovery : code).focus();
  }
  toggle.addEventListener("click", () => use(codeField.hidden === false));

  return {
    read() {
      if (!recoveryField.hidden) {
        const value = recovery.value.trim();
        if (!value) return { problems: { recovery_code: "Enter one of your recovery codes." } };
        if (!RECOVERY_CODE.test(value)) {
          return { problems: { recovery_code: "A recovery code is 8 letters or digits, like k7m2-q9xd." } };
        }
        return { factor: { recovery_code: value } };
      }
      const entered = readCode(code, "Enter the 6‑digit code your app shows.");
      if (entered.problem) return { problems: { code: entered.problem } };
      return { factor: { code: entered.digits } };
    },
    reset() {
      code.value = "";
      recovery.value = "";
      codeField.hidden = false;
      recoveryField.hidden = true;
      toggle.textContent = USE_RECOVERY;
      if (lead) lead.textContent = appLead;
      clearErrors(form);
    },
  };
}

/**
 * Wire the second step. `app.signedIn(user)` finishes a login; `app.go` as in main.js.
 * Returns the view: `begin(challenge)` after a login that asked for it, `show()`.
 */
export function wireSecondFactor(app) {
  const $ = (id) => document.getElementById(id);
  const form = $("second-factor-form");
  const choice = wireFactorChoice(form);
  let challenge = null;
  clearOnInput(form);

  function startOver(notice) {
    challenge = null;
    app.go("login", { notice, focus: "login-password" });
  }

  /** Show what this login may be finished with: approval's number, a code, or both. */
  function showFactors(secondFactor) {
    const approval = secondFactor.factors.includes("approval");
    const codes = secondFactor.factors.includes("totp");
    const passkey = secondFactor.factors.includes("passkey");
    $("second-factor-passkey").hidden = !passkey;
    $("second-factor-passkey-error").hidden = true;
    $("approval-wait").hidden = !approval;
    $("approval-number").textContent = approval ? String(secondFactor.number) : "";
    $("approval-wait-status").textContent = "Waiting for your approval…";
    $("approval-or").hidden = !(approval && codes);
    form.hidden = !codes;
    $("second-factor-switch").hidden = !codes;
    $("second-factor-separator").hidden = !codes;
    $("second-factor-lead").hidden = approval || !codes;
    const note = $("approval-note");
    note.textContent = secondFactor.approval_note || "";
    note.hidden = !secondFactor.approval_note;
  }

  /** Wait, call after call, until a signed-in device answers; the login ends here then. */
  async function waitForApproval(mine) {
    while (challenge === mine) {
      let reply;
      try {
        reply = await api.loginApprovalWait(mine);
      } catch (error) {
        if (challenge !== mine) return;
        if (error.status >= 500 || error.status === 0 || error.status === undefined) {
          await new Promise((resolve) => setTimeout(resolve, 2000)); // the network: try again
          continue;
        }
        if (form.hidden) startOver(error.message); // no other factor: only a new login
        else {
          $("approval-wait").hidden = true;
          $("approval-or").hidden = true;
          $("approval-note").textContent = error.message;
          $("approval-note").hidden = false;
          field(form, "code").focus();
        }
        return;
      }
      if (challenge !== mine) return;
      if (reply.approved) {
        challenge = null;
        choice.reset();
        app.signedIn(reply.user);
        return;
      }
    }
  }

  /** Finish with the account's passkey (offered after a provider's sign-in). */
  const passkeyButton = $("second-factor-passkey-go");
  const passkeyProblem = $("second-factor-passkey-error");
  passkeyButton.addEventListener("click", async () => {
    passkeyProblem.hidden = true;
    passkeyButton.disabled = true;
    const mine = challenge;
    try {
      const started = await api.passkeyLoginOptions();
      const credential = await navigator.credentials.get({
        publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(started.options),
      });
      const reply = await api.passkeyLogin(started.ceremony, credential.toJSON(), mine);
      challenge = null;
      choice.reset();
      app.signedIn(reply.user);
    } catch (error) {
      passkeyProblem.textContent = error.name === "NotAllowedError"
        ? "No passkey was used: the request was cancelled or timed out." : error.message;
      passkeyProblem.hidden = false;
    } finally {
      passkeyButton.disabled = false;
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const { factor, problems } = choice.read();
    if (problems) {
      report(form, problems);
      return;
    }
    await busy(form, async () => {
      let reply;
      try {
        reply = await api.loginSecondFactor(challenge, factor);
      } catch (error) {
        if (error.field) showError(form, error.field, error.message)?.focus();
        // Unknown, expired or out of tries: only the password step makes a new one.
        else if (error.status === 401 || (error.status === 429 && !error.retryAfter)) {
          startOver(error.message);
        } else showFormError(form, error.message);
        return;
      }
      challenge = null;
      choice.reset();
      app.signedIn(reply.user);
    });
  });

  return {
    begin(secondFactor) {
      challenge = secondFactor.challenge;
      choice.reset();
      showFactors(secondFactor);
      const approval = secondFactor.factors.includes("approval");
      const codes = secondFactor.factors.includes("totp");
      app.go("second-factor", {
        focus: approval ? "second-factor-title" : codes ? "second-factor-code" : "second-factor-passkey-go",
      });
      if (approval) waitForApproval(challenge);
    },
    show() {
      if (!challenge) startOver("Log in with your password first; the code comes next.");
    },
    forget() {
      challenge = null;
      choice.reset();
    },
  };
}
