"""authserver: sign-up, email codes, sessions and real time over Socket.IO."""

__version__ = "0.1.0"
