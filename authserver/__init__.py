"""authserver: sign-up, email codes, sessions and real time over Socket.IO."""

from contracts.version import VERSION as __version__

__all__ = ["__version__"]
