"""The wire contracts of authserver: every REST call and Socket.IO event, typed.

This package imports pydantic and nothing of ours. The server, the CLI client and
the load tests all derive their routes, payloads and error handling from it.
"""

from contracts.errors import ErrorReply, Status
from contracts.service import CALLS, Call, call_named

__all__ = ["CALLS", "Call", "ErrorReply", "Status", "call_named"]
