// "Is this you signing in?": a new device logged in with this account's password and
// waits for a signed-in device to approve it. The prompt shows on every view, over the
// page, with three numbers: the person picks the one the new device shows, or says it is
// not them. One answer (here or on another device) closes it everywhere; so does expiry.

import { device } from "./sessions.js";

const $ = (id) => document.getElementById(id);

function when(at) {
  return new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** Wire the prompt; `app.go(view, options)` as in main.js. Returns `ask` and `closed`. */
export function wireApprovalPrompt(app) {
  const prompt = $("approval-prompt");
  const ask = $("approval-prompt-ask");
  const numbers = $("approval-numbers");
  const result = $("approval-prompt-result");
  const after = $("approval-prompt-after");
  const secure = $("approval-secure");
  let current = null; // {request, answer, timer}

  function finish(message, secureAccount) {
    if (current) clearTimeout(current.timer);
    ask.hidden = true;
    result.textContent = message;
    result.hidden = false;
    secure.hidden = !secureAccount;
    after.hidden = false;
    (secureAccount ? secure : $("approval-dismiss")).focus();
  }

  function close() {
    if (current) clearTimeout(current.timer);
    current = null;
    prompt.hidden = true;
  }

  async function send(payload) {
    if (!current) return;
    for (const button of prompt.querySelectorAll("button")) button.disabled = true;
    const reply = await current.answer({ request_id: current.request.request_id, ...payload });
    for (const button of prompt.querySelectorAll("button")) button.disabled = false;
    if (reply && reply.error) finish(reply.error, false);
    else if (reply) finish(reply.message, reply.secure_account);
  }

  $("approval-deny").addEventListener("click", () => send({ deny: true }));
  $("approval-dismiss").addEventListener("click", close);
  secure.addEventListener("click", () => {
    close();
    app.go("account", { focus: "password-current_password",
      notice: "Change your password: that ends every other session at once." });
  });

  return {
    ask(request, answer) {
      if (current) clearTimeout(current.timer);
      const left = Math.max(0, new Date(request.expires_at) - Date.now());
      current = { request, answer, timer: setTimeout(() => finish("The request expired.", false), left) };
      $("approval-prompt-detail").textContent =
        `${device(request.device)} (${request.ip}) logged in with your password at ${when(request.at)}.`;
      numbers.replaceChildren(...request.numbers.map((number) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button button-quiet";
        button.textContent = String(number);
        button.addEventListener("click", () => send({ number }));
        return button;
      }));
      ask.hidden = false;
      result.hidden = true;
      after.hidden = true;
      prompt.hidden = false;
      $("approval-prompt-title").focus();
    },
    closed(closed) {
      if (!current || current.request.request_id !== closed.request_id || ask.hidden) return;
      finish(closed.message, closed.secure_account);
    },
  };
}
