"""Socket.IO, mounted in the Tornado server: the seed's events, chat and presence."""
