"""What the operator's shell commands work with: their context without a server, accounts
found and listed, moving in (legacy import, portable export and import) and reading the
audit trail back."""
