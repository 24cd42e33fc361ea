"""The server's own upkeep: health and readiness, the deployment's product settings as
the web UI reads them, the mail backlog, and retention."""
