"""The use cases: signup, verification, login, sessions. No Tornado, no Socket.IO here."""
