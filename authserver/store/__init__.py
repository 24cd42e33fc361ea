"""Persistence: peewee models, the async database and migrations."""
