"""Signing in with outside OpenID Providers: the operator's list of them (registry), what
they publish (discovery), the relying party's side of the code flow (relying_party), and
which account an outside identity opens (linking)."""
