"""Accounts as their owners live them: sign-up, email verification, changing the address,
deleting one's own account, and finding users by the names people type."""
