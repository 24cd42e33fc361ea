// A quick password strength hint while typing. The server has the final word; this only
// nudges people away from short or guessable passwords before they submit.

const COMMON = [
  "password", "123456", "12345678", "qwerty", "letmein", "welcome", "iloveyou", "admin",
  "monkey", "dragon", "football", "baseball", "abc123", "111111", "sunshine", "princess",
  "master", "shadow", "trustno1", "passw0rd", "azerty", "secret", "login",
];
const SEQUENCES = ["abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm"];

import { PASSWORD_MIN_LENGTH as MIN_LENGTH } from "./rules.js";

export { MIN_LENGTH };

function poolSize(password) {
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[^A-Za-z0-9]/.test(password)) pool += 33;
  return pool || 1;
}

// Characters that continue a run (aaa, abc, 321) add almost nothing to a guesser's work.
function effectiveLength(password) {
  const lower = password.toLowerCase();
  let length = 0;
  for (let i = 0; i < lower.length; i += 1) {
    const pair = lower.slice(i - 1, i + 1);
    const repeat = i > 0 && lower[i] === lower[i - 1];
    const run = i > 0 && SEQUENCES.some((s) => s.includes(pair) || s.includes([...pair].reverse().join("")));
    length += repeat || run ? 0.25 : 1;
  }
  return length;
}

/** Rate `password` from 0 (empty) to 4 (strong), with a short sentence to show. */
export function strength(password, avoid = []) {
  if (!password) {
    return { level: 0, text: `At least ${MIN_LENGTH} characters. A few unrelated words make a strong password.` };
  }
  if (password.length < MIN_LENGTH) {
    const left = MIN_LENGTH - password.length;
    return { level: 1, text: `Too short: ${left} more character${left === 1 ? "" : "s"} needed.` };
  }
  const lower = password.toLowerCase();
  const personal = avoid.filter((word) => word && word.length >= 3).some((word) => lower.includes(word.toLowerCase()));
  if (COMMON.some((word) => lower.includes(word)) || personal) {
    return { level: 1, text: "Weak: it contains a common word or your own name." };
  }
  const bits = effectiveLength(password) * Math.log2(poolSize(password));
  if (bits < 40) return { level: 1, text: "Weak: easy to guess. Make it longer." };
  if (bits < 55) return { level: 2, text: "Fair: a few more characters or another word would help." };
  if (bits < 72) return { level: 3, text: "Good password." };
  return { level: 4, text: "Strong password." };
}

/**
 * Rate `input` as it is typed, in the meter and live hint of its field. `avoid()` gives
 * the words (a username, an address) a password should not contain.
 * Returns a function that puts the meter back to empty (after the form is reset).
 */
export function wireStrength(input, avoid = () => []) {
  const field = input.closest(".field");
  const meter = field.querySelector(".strength");
  const hint = field.querySelector(".help[aria-live]");
  const rate = () => {
    const rating = strength(input.value, avoid());
    meter.dataset.level = String(rating.level);
    hint.textContent = rating.text;
  };
  input.addEventListener("input", rate);
  return rate;
}
