"""Second factors: TOTP enrolment and recovery codes, passkeys (WebAuthn), checking a code,
and the login's second step."""
