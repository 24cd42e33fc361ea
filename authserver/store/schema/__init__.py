"""The schema's history: one module per version, each frozen once it has shipped.

A version module describes its tables as they were on the day it shipped (snapshot model
classes of its own, never the live ones in `store/models.py`), so a database created today
passes through exactly the steps an old one went through, and a column added later is
added once, by the version that adds it. Never edit a shipped version: add the next one.
"""
