"""The server's own upkeep: health and readiness, the mail backlog, and retention."""
