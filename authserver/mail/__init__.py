"""Mail: an outbox table filled in the same transaction as the change, and its sender."""
