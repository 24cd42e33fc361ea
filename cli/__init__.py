"""authcli: the terminal client of authserver, as a REPL and as scriptable subcommands.

It speaks only the wire contracts in `contracts`; it never imports `authserver`.
"""
