"""The OpenID Provider's domain: the apps (clients), what people let them do (grants, with
their codes and tokens), the consent remembered, the signing keys, and the claims an app
is told about a person.

The protocol itself (request parsing, RFC error shapes, PKCE) is Authlib's, driven from
the edge in `authserver/oauth/`; this package keeps the rules that are ours:

- a grant belongs to the authserver session that authorized it and ends with it, unless
  it has `offline_access`; even then it ends with a password reset or change, the app's
  removal, the account's disabling or deletion (`grants.is_live`);
- refresh tokens rotate on each use, and a replayed one revokes its whole family; a code
  used twice revokes what its first use gave;
- secrets and refresh tokens are stored only as SHA-256 digests; signing keys are sealed
  with SECRET_KEY.

Functions without `async` are data functions, run inside `ctx.store.run(...)` (Authlib's
grant code is synchronous and calls them there).
"""
