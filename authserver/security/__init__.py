"""Secrets handling: password hashing, verification codes, session tokens, rate limits."""
