// The rules a field's value must follow, as the server declares them in contracts/fields.py
// (and contracts/events.py for chat). tests/webui/test_rules.py compares this object, and
// the attributes of every input in index.html, with the contracts: change both together.

export const RULES = {
  "username_pattern": "^[A-Za-z0-9_.-]{3,32}$",
  "code_pattern": "^[0-9]{6}$",
  "password_min_length": 8,
  "password_max_length": 1024,
  "email_max_length": 254,
  "chat_max_length": 2000
};

export const USERNAME = new RegExp(RULES.username_pattern);
export const CODE = new RegExp(RULES.code_pattern);
// Only a first check, to catch typos before a round trip: the server has the final word.
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const PASSWORD_MIN_LENGTH = RULES.password_min_length;
export const CHAT_MAX_LENGTH = RULES.chat_max_length;
