"""Operator commands run from the shell: `authserver users ...`, `authserver audit`."""
