"""The seed's chat: messages stored first, then delivered, and their history."""
