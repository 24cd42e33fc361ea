"""Passwords after sign-up: a forgotten one (a mailed reset code), a changed one, and
asking a signed-in person for it again before a sensitive change."""
