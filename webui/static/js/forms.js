// Showing errors where they belong: under the field at fault, or above the form's button.
// A form `<form id="login-form">` has fields `#login-<name>` (`<name>` as the API names
// it), their messages `#login-<name>-error`, a form-wide message `#login-form-error` and,
// where a form stays on screen after success, `#login-form-done`.

// An error replaces any good news shown before it: a green "done" or the page's notice
// above a red error reads as if the error did not count.
function dropGoodNews(form) {
  const notice = document.getElementById("page-notice");
  if (notice) notice.hidden = true;
  const done = form.querySelector(`#${prefix(form)}-form-done`);
  if (done) done.hidden = true;
}

function prefix(form) {
  return form.id.replace(/-form$/, "");
}

/** The input named `name` in `form`, or null. */
export function field(form, name) {
  return form.querySelector(`#${prefix(form)}-${name}`);
}

/** Show `message` under the field `name`, or form-wide when the form has no such field. */
export function showError(form, name, message) {
  const input = name ? field(form, name) : null;
  const slot = input ? form.querySelector(`#${prefix(form)}-${name}-error`) : null;
  if (!slot) {
    showFormError(form, message);
    return null;
  }
  dropGoodNews(form);
  input.setAttribute("aria-invalid", "true");
  slot.textContent = message;
  slot.hidden = false;
  return input;
}

/** Show `message` (a string or a node) above the form's submit button. */
export function showFormError(form, message) {
  const slot = form.querySelector(`#${prefix(form)}-form-error`);
  dropGoodNews(form);
  slot.replaceChildren(message);
  slot.hidden = false;
}

/** Say that `form`'s request succeeded, in its `-form-done` status line. */
export function showDone(form, message) {
  const slot = form.querySelector(`#${prefix(form)}-form-done`);
  slot.textContent = message;
  slot.hidden = false;
}

/** Clear every message in `form`. */
export function clearErrors(form) {
  for (const slot of form.querySelectorAll(".error, .done")) {
    slot.hidden = true;
    slot.textContent = "";
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/** Clear one field's message as soon as the person edits it. */
export function clearOnInput(form) {
  form.addEventListener("input", (event) => {
    const input = event.target;
    if (!input.id || input.getAttribute("aria-invalid") !== "true") return;
    input.removeAttribute("aria-invalid");
    const slot = form.querySelector(`#${input.id}-error`);
    if (!slot) return;
    // Emptied, not only hidden: the field's description (aria-describedby) takes in
    // hidden text too, so a screen reader would go on reading the error just fixed.
    slot.hidden = true;
    slot.textContent = "";
  });
}

/** Show client-side `problems` ({name: message}); focus the first. True when there were any. */
export function report(form, problems) {
  let first = null;
  for (const [name, message] of Object.entries(problems)) {
    const input = showError(form, name, message);
    first = first || input;
  }
  if (first) first.focus();
  return Object.keys(problems).length > 0;
}

/** Show a refused API call next to its field (or form-wide) and focus that field. */
export function reportApiError(form, error, fallbackField = null) {
  const input = showError(form, error.field || fallbackField, error.message);
  if (input) input.focus();
}

/** Mark `form`'s submit button busy while `work` runs, so it can't be sent twice. */
export async function busy(form, work) {
  const button = form.querySelector("[type=submit]");
  if (button.getAttribute("aria-busy") === "true") return undefined;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.removeAttribute("aria-busy");
  }
}

/** Wire every show/hide password button under `root`. */
export function wirePasswordToggles(root) {
  for (const button of root.querySelectorAll("button.reveal")) {
    const input = root.querySelector(`#${button.getAttribute("aria-controls")}`);
    button.addEventListener("click", () => {
      const show = input.type === "password";
      input.type = show ? "text" : "password";
      button.textContent = show ? "Hide" : "Show";
      button.setAttribute("aria-pressed", String(show));
      button.setAttribute("aria-label", show ? "Hide password" : "Show password");
    });
  }
}

/** Hide every password again (after a submit, and when leaving a view). */
export function concealPasswords(root) {
  for (const button of root.querySelectorAll("button.reveal[aria-pressed=true]")) button.click();
}
