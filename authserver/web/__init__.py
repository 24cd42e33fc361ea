"""The HTTP edge: Tornado handlers generated from the contracts' service table."""
