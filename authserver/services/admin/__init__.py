"""The administrators' calls (issue 16): the admin role only, every call audited and
counted against the caller's `admin_user` limit."""
