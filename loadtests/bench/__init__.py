"""`python -m loadtests.bench`: the server measured beside a bare Tornado app and beside
the physical limit of password hashing, in one run."""
