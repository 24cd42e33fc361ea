// The 6-digit codes sent by mail (verification, password reset, new address): typing
// them, explaining a refusal, and the "send a new code" button with its wait.

import { CODE } from "./rules.js";

/** Keep only digits as they are typed or pasted ("123 456", "123-456"). */
export function wireCodeInput(input) {
  input.addEventListener("input", () => {
    const digits = input.value.replace(/\D/g, "").slice(0, 6);
    if (digits !== input.value) input.value = digits;
  });
}

/** The digits of `input`, and what is wrong with them (null when they look right). */
export function readCode(input, missing) {
  const digits = input.value.replace(/\D/g, "");
  if (!digits) return { digits, problem: missing };
  if (!CODE.test(digits)) return { digits, problem: `The code has 6 digits; this has ${digits.length}.` };
  return { digits, problem: null };
}

/**
 * The server refused a code: its sentence, plus what a person needs to know next. The
 * reply does not say how many tries are left, so the hint names no number.
 */
export function codeRefusal(error) {
  if (error.code === "INVALID_ARGUMENT" && error.field === "code") {
    return `${error.message} Each code allows only a few tries; after that, ask for a new one.`;
  }
  return error.message;
}

/**
 * A "send a new code" button: it sends, says so in its status line, then waits out the
 * server's interval (or the `Retry-After` of a refusal) before it can be pressed again.
 */
export class Resend {
  constructor({ button, status, problem, label = "send a new code", waitSeconds = 60 }) {
    Object.assign(this, { button, status, problem, label, waitSeconds });
    this.timer = null;
  }

  /** Run `send()` (resolving to the sentence to show), then start the wait. */
  async run(send) {
    this.problem.hidden = true;
    this.problem.textContent = "";
    this.button.disabled = true;
    this.status.textContent = "Sending…";
    let message;
    try {
      message = await send();
    } catch (error) {
      this.status.textContent = "";
      this.problem.textContent = error.message;
      this.problem.hidden = false;
      if (error.retryAfter) this.wait(error.retryAfter, "");
      else this.button.disabled = false;
      return false;
    }
    this.wait(this.waitSeconds, message);
    return true;
  }

  wait(seconds, message) {
    this.stop();
    const until = Date.now() + seconds * 1000;
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) {
        clearInterval(this.timer);
        this.timer = null;
        this.button.disabled = false;
        this.button.textContent = this.label;
        this.problem.hidden = true;
        return;
      }
      this.button.disabled = true;
      this.button.textContent = `${this.label} (in ${left} s)`;
      if (message !== null) this.status.textContent = message;
      message = null;
    };
    tick();
    this.timer = setInterval(tick, 1000);
  }

  /** Forget the wait and every message. */
  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.button.disabled = false;
    this.button.textContent = this.label;
    this.problem.hidden = true;
    this.problem.textContent = "";
    this.status.textContent = "";
  }
}
