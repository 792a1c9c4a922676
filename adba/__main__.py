"""Allow ``python -m adba``."""

from adba.cli.app import main

main()
