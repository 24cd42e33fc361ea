"""Every mailed code: how long it lives, the mail that carries it, and how it is used.

Verification codes live on the user row (the seed's columns); password reset and email
change codes live in `account_code`, one per account and purpose. All are six digits
kept as an HMAC bound to their purpose, so one kind never passes for another. Each
allows a number of evaluations (MAX_ATTEMPTS unless the caller says otherwise): an
attempt is reserved by a conditional UPDATE before the comparison, so concurrent guesses
get no more than that many compared. A code that strangers can reach (a reset code: all
it takes is the address) remembers the client that asked for it: that client's tries are
limited per client by its caller, and only the other clients' tries are reserved here,
so guesses from elsewhere cannot use it up before its owner types it (security/codes.py).
"""

from datetime import timedelta

from authserver.errors import ServiceError, exhausted, invalid
from authserver.mail import outbox
from authserver.mail.compose import verification_letter
from authserver.security.codes import code_digest, code_matches, is_asker, new_code
from authserver.store.models import AccountCode, utcnow
from contracts.fields import lookup_key

VERIFICATION = "verification"
PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose name, not a secret
EMAIL_CHANGE = "email_change"

LIFETIMES = {
    VERIFICATION: timedelta(hours=24),
    PASSWORD_RESET: timedelta(hours=1),
    EMAIL_CHANGE: timedelta(hours=24),
}
MAX_ATTEMPTS = 5


def hours_valid(purpose: str) -> int:
    return int(LIFETIMES[purpose].total_seconds() // 3600)


def minutes_valid(purpose: str) -> int:
    return int(LIFETIMES[purpose].total_seconds() // 60)


def queue_verification_mail(
    *, recipient: str, username: str, code: str, unverified_ttl_hours: float
) -> None:
    """Queue the mail carrying a new verification code; call inside the transaction that
    stores it."""
    outbox.queue(
        verification_letter(
            recipient=recipient,
            username=username,
            code=code,
            hours_valid=hours_valid(VERIFICATION),
            unverified_ttl_hours=unverified_ttl_hours,
        )
    )


def wrong_code() -> ServiceError:
    return invalid("That code is not right. Check the latest mail we sent you.", field="code")


def _owner(user_id: int, new_email: str | None) -> str:
    # An email change code is bound to the address it proves as well as to the account.
    return f"{user_id}:{lookup_key(new_email or '')}"


def issue(*, user_id: int, purpose: str, secret_key: str, new_email: str | None = None,
          asker: str | None = None) -> str:
    """A new code of `purpose` for the account, replacing any earlier one (which dies);
    `asker` is the client that asked (security/codes.asker).

    Call inside a transaction, with the mail that carries the code queued in it too.
    """
    code = new_code()
    AccountCode.delete().where(
        AccountCode.user == user_id, AccountCode.purpose == purpose
    ).execute()
    AccountCode.create(
        user=user_id,
        purpose=purpose,
        code_hash=code_digest(secret_key, _owner(user_id, new_email), code, purpose),
        expires_at=utcnow() + LIFETIMES[purpose],
        new_email=new_email,
        asker=asker,
    )
    return code


def digest_of(*, user_id: int | None, purpose: str) -> str | None:
    """The stored digest of the account's live code of `purpose`, if there is one: what
    a client's tries at that very code are counted under (security/codes.attempt_key)."""
    if user_id is None:
        return None
    row = AccountCode.get_or_none(AccountCode.user == user_id, AccountCode.purpose == purpose)
    return row.code_hash if row is not None else None


def check(*, user_id: int | None, purpose: str, code: str, secret_key: str,
          max_attempts: int = MAX_ATTEMPTS, client: str | None = None,
          device: str | None = None) -> AccountCode:
    """The live code row of `purpose` that `code` matches, one attempt spent; or the
    refusal (wrong, expired, or dead after `max_attempts` tries).

    Given the `client` (and `device`) trying, a code that client asked for spends none
    of the shared attempts (its own are counted by the caller, per client), and a code
    whose shared attempts are spent answers the others as a wrong code, the same reply as
    an address with no account. Run outside the transaction that applies the code, so a
    spent attempt stays spent.
    """
    if user_id is None:
        raise wrong_code()
    row = AccountCode.get_or_none(AccountCode.user == user_id, AccountCode.purpose == purpose)
    if row is None:
        raise wrong_code()
    own = client is not None and is_asker(row.asker, client, device)
    if row.expires_at <= utcnow():
        if client is not None and not own:  # a stranger learns no more than "wrong"
            raise wrong_code()
        raise invalid("That code has expired. Ask for a new one.", field="code")
    if not own:
        reserved = (
            AccountCode.update(attempts=AccountCode.attempts + 1)
            .where(AccountCode.id == row.id, AccountCode.attempts < max_attempts)
            .execute()
        )
        if not reserved:
            if client is not None:
                raise wrong_code()
            raise exhausted("Too many wrong codes. Ask for a new code.")
    if not code_matches(secret_key, _owner(user_id, row.new_email), code, row.code_hash, purpose):
        raise wrong_code()
    return row


def consume(row: AccountCode) -> None:
    """Use up a checked code; call inside the transaction that applies it. A code used
    meanwhile by a concurrent request is refused."""
    if not AccountCode.delete().where(AccountCode.id == row.id).execute():
        raise invalid("That code was already used.", field="code")
