"""Seeing how the server is doing: the Prometheus metrics and the log format, declared
once for every layer.

This is the ground floor: the store, the services, mail and both edges import it, and it
imports nothing of ours. What serves them belongs to the web edge: the `/metrics` handler
(web/metrics_endpoint.py) and the per-request id, access-log fields and counts
(web/request_hooks.py).
"""
