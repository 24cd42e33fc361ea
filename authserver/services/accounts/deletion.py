"""Deleting one's own account: the user row goes, and with it (by the database's
cascades) its sessions, its pending codes and its chat messages, and (by hand) the mail
still waiting for its address; its sockets are ended.
The username and the address are free again at once.

Chat messages go rather than stay under a "deleted user" name: a person who leaves takes
what they wrote with them, and a message kept under a placeholder still says who wrote
it through its content and its time.
"""

from authserver.mail import outbox
from authserver.mail.compose import account_deleted_letter
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.services.factors.proof import confirm_owner
from authserver.services.oauth import backchannel
from authserver.services.registry import serves
from authserver.services.sessions import lifecycle as sessions
from authserver.store.models import User, database_proxy
from contracts import service as calls
from contracts.messages import DeleteAccountRequest, Notice


def _delete(user: User) -> list[int]:
    """Delete the account and mail its address a last notice; the ids of the sessions
    that ended with it."""
    with database_proxy.obj.atomic():
        # writing first: see password._issue_reset; mail still waiting for the address
        # (codes, notices) goes with the account, only the last notice stays
        outbox.forget_recipient(user.email)
        outbox.queue(account_deleted_letter(recipient=user.email, username=user.username))
        ended = sessions.revoke_all(user.id)
        # Its grants go with it: the apps are owed their logout tokens first.
        backchannel.queue_for_user(user.id)
        User.delete().where(User.id == user.id).execute()
    return ended


@serves(calls.DELETE_ACCOUNT)
async def delete_account(ctx: Context, request: DeleteAccountRequest, caller: Caller) -> Notice:
    user = await confirm_owner(ctx, caller, request)
    ended = await ctx.store.run(_delete, user)
    ctx.mail_queued()
    await sessions.ended(ctx, ended, "This account was deleted.")
    await audit.record(ctx, "account_deleted", caller, user=user)
    return Notice(message=f"The account {user.username} is deleted. Goodbye.")
