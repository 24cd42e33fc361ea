"""Real parts for the tests: the server process, an SMTP sink, fresh databases."""
