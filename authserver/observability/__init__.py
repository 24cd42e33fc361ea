"""Seeing how the server is doing: Prometheus metrics, structured logs, request ids."""
