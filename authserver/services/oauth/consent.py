"""Consent: a third-party app gets a code only after the person agreed to the scopes it
asks for; the answer is remembered per person and app, and a later request for no more
than was agreed goes through without asking again. First-party apps skip it."""

from authserver.store.models import OAuthConsent, database_proxy, utcnow

PLAIN_WORDS = {
    "openid": "know that it is you (your account's identifier)",
    "profile": "see your username",
    "email": "see your email address",
    "offline_access": "stay connected while you are signed out",
}


def covers(user_id: int, client_pk: int, scope: str) -> bool:
    """Did the person already agree to every scope in `scope`? (a data function)"""
    row = OAuthConsent.get_or_none(OAuthConsent.user == user_id,
                                   OAuthConsent.client == client_pk)
    return row is not None and set(scope.split()) <= set(row.scope.split())


def remember(user_id: int, client_pk: int, scope: str) -> None:
    """Add `scope` to what the person agreed to give this app."""
    with database_proxy.obj.atomic():
        row = OAuthConsent.get_or_none(OAuthConsent.user == user_id,
                                       OAuthConsent.client == client_pk)
        if row is None:
            OAuthConsent.create(user=user_id, client=client_pk, scope=scope,
                                created_at=utcnow())
            return
        merged = " ".join(dict.fromkeys([*row.scope.split(), *scope.split()]))
        OAuthConsent.update(scope=merged).where(OAuthConsent.id == row.id).execute()
