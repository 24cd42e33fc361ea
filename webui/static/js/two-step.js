// The Account view's "Two-step login" panel: set up an authenticator app (a QR code drawn
// by the server, and the key as text), turn it on with a first code, see the ten recovery
// codes once, make new ones, or turn it off with the password and a code.

import * as api from "./api.js";
import { readCode, wireCodeInput } from "./codes.js";
import {
  busy, clearErrors, clearOnInput, concealPasswords, field, report, reportApiError, showError,
} from "./forms.js";
import { asksPassword, ownerProof } from "./owner-proof.js";
import { wireFactorChoice } from "./second-factor.js";

const $ = (id) => document.getElementById(id);
const OFF = "Off. With two-step login, a password alone is not enough: logging in also asks "
  + "for a code from an authenticator app on your phone.";

/** "JBSW Y3DP EHPK 3PXP": a key in groups of four, easier to read and to type. */
function grouped(secret) {
  return secret.match(/.{1,4}/g).join(" ");
}

/** The recovery codes as a text file to keep: what they are for, then one a line. */
function codesText(codes, username, appName) {
  return [`Recovery codes for ${username} at ${appName}`,
    "Each logs you in once instead of the authenticator app's code. Keep them away from your phone.",
    "", ...codes, ""].join("\n");
}

/** A file name made of the product's name: "Acme Cloud" gives acme-cloud-recovery-codes.txt. */
export function codesFileName(appName) {
  const stem = appName.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "account";
  return `${stem}-recovery-codes.txt`;
}

/** Wire the panel (`app` as in main.js); returns `show()` (load the state) and `hide()`. */
export function wireTwoStep(app) {
  const status = $("twostep-status");
  const problem = $("twostep-error");
  const enrolForm = $("totp-form");
  const setup = $("totp-setup");
  const confirmForm = $("totp-confirm-form");
  const recovery = $("recovery");
  const manage = $("totp-manage");
  const regenerateForm = $("regenerate-form");
  const disableForm = $("disable-form");
  const forms = [enrolForm, confirmForm, regenerateForm, disableForm];
  for (const form of forms) clearOnInput(form);
  wireCodeInput(field(confirmForm, "code"));
  const disableFactor = wireFactorChoice(disableForm);
  const regenerateFactor = wireFactorChoice(regenerateForm);
  // The password typed to start enrolment, kept only until the first code turns it on
  // (confirming asks for proof too) and forgotten on cancel, on leaving, on logout.
  let enrolPassword = "";

  /** Show only `part` (and what always shows: the status line). */
  function only(...parts) {
    for (const element of [enrolForm, setup, recovery, manage, regenerateForm, disableForm]) {
      element.hidden = !parts.includes(element);
    }
  }

  async function load() {
    problem.hidden = true;
    let state;
    try {
      state = await api.secondFactorStatus();
    } catch (error) {
      problem.textContent = `Could not load two-step login: ${error.message}`;
      problem.hidden = false;
      return;
    }
    render(state);
  }

  function render(state) {
    for (const form of forms) {
      concealPasswords(form);
      form.reset();
      clearErrors(form);
    }
    if (state.totp) {
      const left = state.recovery_codes_left;
      status.textContent = `On: logging in asks for a code from your authenticator app. `
        + `${left} unused recovery code${left === 1 ? "" : "s"} left.`;
      only(manage);
    } else {
      status.textContent = OFF;
      only(enrolForm);
    }
  }

  let shownCodes = [];

  function showCodes(reply) {
    shownCodes = reply.recovery_codes;
    $("recovery-copied").textContent = "";
    status.textContent = "On: logging in asks for a code from your authenticator app.";
    $("recovery-message").textContent = reply.message;
    $("recovery-list").replaceChildren(...reply.recovery_codes.map((code) => {
      const item = document.createElement("li");
      item.textContent = code;
      return item;
    }));
    only(recovery);
    $("recovery-saved").focus();
  }

  enrolForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(enrolForm);
    const password = field(enrolForm, "current_password").value;
    if (report(enrolForm, password || !asksPassword() ? {}
      : { current_password: "Enter your current password." })) return;
    await busy(enrolForm, async () => {
      let reply;
      try {
        reply = await api.totpEnrol(await ownerProof(password));
      } catch (error) {
        reportApiError(enrolForm, error);
        return;
      }
      enrolPassword = password;
      concealPasswords(enrolForm);
      enrolForm.reset();
      $("totp-qr").src = reply.qr_code;
      $("totp-secret").textContent = grouped(reply.secret);
      only(setup);
      field(confirmForm, "code").focus();
    });
  });

  $("totp-cancel").addEventListener("click", () => {
    enrolPassword = "";
    load();
    field(enrolForm, "current_password").focus();
  });

  confirmForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(confirmForm);
    const entered = readCode(field(confirmForm, "code"), "Enter the 6‑digit code your app shows.");
    if (report(confirmForm, entered.problem ? { code: entered.problem } : {})) return;
    await busy(confirmForm, async () => {
      try {
        showCodes(await api.totpConfirm(await ownerProof(enrolPassword), entered.digits));
        enrolPassword = "";
      } catch (error) {
        reportApiError(confirmForm, error);
      }
    });
  });

  $("recovery-copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(codesText(shownCodes, app.user.username, app.appName));
      $("recovery-copied").textContent = "Copied. Paste them into your password manager or a file you keep safe.";
    } catch {
      $("recovery-copied").textContent = "This browser did not allow copying: select the codes and copy them, or download them.";
    }
  });
  $("recovery-download").addEventListener("click", () => {
    const file = new Blob([codesText(shownCodes, app.user.username, app.appName)], { type: "text/plain" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(file);
    link.download = codesFileName(app.appName);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 0);
    $("recovery-copied").textContent = `Downloaded as ${link.download}.`;
  });

  $("recovery-saved").addEventListener("click", async () => {
    shownCodes = [];
    $("recovery-list").replaceChildren();
    await load();
    $("twostep-title").focus();
  });

  function open(form, opener) {
    only(manage, form);
    clearErrors(form);
    form.querySelector("input").focus();
    form.querySelector("[data-close]").onclick = () => {
      concealPasswords(form);
      form.reset();
      only(manage);
      opener.focus();
    };
  }
  $("regenerate-open").addEventListener("click", (event) => {
    regenerateFactor.reset();
    open(regenerateForm, event.target);
  });
  $("disable-open").addEventListener("click", (event) => {
    disableFactor.reset();
    open(disableForm, event.target);
  });

  regenerateForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(regenerateForm);
    const password = field(regenerateForm, "current_password").value;
    const { factor, problems = {} } = regenerateFactor.read();
    if (!password && asksPassword()) problems.current_password = "Enter your current password.";
    if (report(regenerateForm, problems)) return;
    await busy(regenerateForm, async () => {
      try {
        const proof = await ownerProof(password, { codeProves: true });
        showCodes(await api.regenerateRecoveryCodes(proof, factor));
      } catch (error) {
        if (error.field) showError(regenerateForm, error.field, error.message)?.focus();
        else reportApiError(regenerateForm, error);
      }
    });
  });

  disableForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(disableForm);
    const password = field(disableForm, "current_password").value;
    const { factor, problems = {} } = disableFactor.read();
    if (!password && asksPassword()) problems.current_password = "Enter your current password.";
    if (report(disableForm, problems)) return;
    await busy(disableForm, async () => {
      try {
        await api.totpDisable(await ownerProof(password, { codeProves: true }), factor);
      } catch (error) {
        if (error.field) showError(disableForm, error.field, error.message)?.focus();
        else reportApiError(disableForm, error);
        return;
      }
      await load();
      $("twostep-title").focus();
    });
  });

  return {
    show: load,
    hide() {
      enrolPassword = "";
      for (const form of forms) concealPasswords(form);
      // Recovery codes are shown once: leaving the view takes them off the page.
      $("recovery-list").replaceChildren();
    },
  };
}

const APPROVAL_OFF = "Off. When it is on, a new device that logs in with your password waits "
  + "until you pick, on a device you are signed in on, the number it shows.";
const APPROVAL_ON = "On: a new device that logs in with your password waits until you pick "
  + "the number it shows, here or on another device you are signed in on.";

/** The Account view's "Approve new sign-ins" panel: on or off, with the current password. */
export function wireApprovalSetting() {
  const status = $("approval-status");
  const problem = $("approval-error");
  const form = $("approval-form");
  const toggle = $("approval-toggle");
  let on = false;
  clearOnInput(form);

  function render(state) {
    on = state.approval;
    concealPasswords(form);
    form.reset();
    clearErrors(form);
    status.textContent = on ? APPROVAL_ON : APPROVAL_OFF;
    toggle.textContent = on ? "Turn off approval" : "Turn on approval";
    toggle.className = `button ${on ? "button-danger" : "button-primary"}`;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const password = field(form, "current_password").value;
    if (report(form, password ? {} : { current_password: "Enter your current password." })) return;
    await busy(form, async () => {
      try {
        await (on ? api.approvalDisable(password) : api.approvalEnable(password));
      } catch (error) {
        reportApiError(form, error);
        return;
      }
      render({ approval: !on });
    });
  });

  return {
    async show() {
      problem.hidden = true;
      try {
        render(await api.secondFactorStatus());
      } catch (error) {
        problem.textContent = `Could not load approval: ${error.message}`;
        problem.hidden = false;
      }
    },
    hide() {
      concealPasswords(form);
    },
  };
}
