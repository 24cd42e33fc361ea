"""Sessions: login opens one, the token finds it, logout and the account page end it; the
per-process cache of live sessions and the sweep that ends sockets of ended sessions."""
