"""The end of a sign-in with an outside provider: the account it opens (linking.py),
then the same second step as the password login for an account with TOTP, approval or a
passkey (the provider stands for no factor of ours, so a passkey counts as a second factor
here), unless the provider's `amr` asserts a second factor and the operator trusts it for
that (`trust_amr`).

The session's `amr` (told to our own apps) is "fed" (RFC 8176 leaves federation out;
Microsoft's identity platform names it so), with the provider's second factor after it
when trusted.
"""

from dataclasses import dataclass

from authserver.observability import metrics
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.services.factors.second_step import require_second_factor
from authserver.services.providers.linking import Outcome, resolve
from authserver.services.providers.registry import Provider
from authserver.services.providers.relying_party import FlowState, Identity
from authserver.services.sessions.lifecycle import open_session

SECOND_FACTORS = frozenset({"otp", "mfa", "hwk", "swk", "sms", "fpt", "face", "iris"})
METHODS_FEDERATED = "fed"
METHODS_FEDERATED_MFA = "fed mfa"


@dataclass(frozen=True)
class SignedIn:
    token: str | None  # None when the person was already signed in (a link)
    outcome: Outcome


def second_factor_asserted(provider: Provider, identity: Identity) -> bool:
    return provider.trust_amr and bool(SECOND_FACTORS & set(identity.amr))


async def finish(ctx: Context, provider: Provider, identity: Identity, flow: FlowState,
                 caller: Caller) -> SignedIn:
    """The session this sign-in opens. Raises SecondFactorRequired (with the login's own
    challenge) when the account's second factor must still be given, and ServiceError
    for a refusal."""
    try:
        outcome = await resolve(ctx, provider, identity, flow, caller)
    except Exception:
        metrics.PROVIDER_SIGN_INS.labels(provider.name, "refused").inc()
        raise
    if outcome.how == "linked" and flow.link_user is not None:
        metrics.PROVIDER_SIGN_INS.labels(provider.name, "linked").inc()
        return SignedIn(None, outcome)
    trusted = second_factor_asserted(provider, identity)
    if not trusted:
        try:
            await require_second_factor(ctx, outcome.user, caller, passkeys=True)
        except Exception:
            metrics.PROVIDER_SIGN_INS.labels(provider.name, "second_factor").inc()
            raise
    amr = METHODS_FEDERATED_MFA if trusted else METHODS_FEDERATED
    token, _ = await open_session(ctx, outcome.user, caller, amr=amr)
    await audit.record(ctx, "provider_login", caller, user=outcome.user,
                       detail=f"{provider.name}: {outcome.how}"
                       + (" (provider's second factor)" if trusted else ""))
    metrics.PROVIDER_SIGN_INS.labels(provider.name, outcome.how).inc()
    return SignedIn(token, outcome)
