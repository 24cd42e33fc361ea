// What the page held for the last person goes with their session (logout, a session
// ended elsewhere, a deleted account): the next person in the same tab finds no typed
// value, message, list or name of theirs. Slots the views fill with someone's data carry
// `data-forget` in index.html; every form, error and notice is emptied here too, and each
// view forgets what it keeps in memory (its `forget()`).

import { clearErrors, concealPasswords } from "./forms.js";

/** Empty the page of the last person; `views` are the view modules, asked to forget. */
export function forgetEveryone(views) {
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  for (const form of document.forms) {
    concealPasswords(form);
    form.reset();
    clearErrors(form);
  }
  for (const slot of document.querySelectorAll(".error, .done")) {
    slot.textContent = "";
    slot.hidden = true;
  }
  for (const slot of document.querySelectorAll("[data-forget]")) {
    if (slot instanceof HTMLImageElement) slot.removeAttribute("src");
    else slot.replaceChildren();
    if (slot.dataset.forget === "hide") slot.hidden = true;
  }
  for (const view of Object.values(views)) view?.forget?.();
  try {
    sessionStorage.clear();
  } catch {
    // Storage may be off; nothing was kept there then.
  }
}
