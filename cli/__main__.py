"""`python -m cli` runs authcli."""

from cli.main import main

main()
