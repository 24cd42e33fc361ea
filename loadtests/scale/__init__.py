"""`python -m loadtests.scale`: how each call's cost grows with the number of accounts
(issue 27). The loader fills the tables through SQL; the server runs as a process."""
