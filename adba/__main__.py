"""Allow ``python -m adba``."""

from adba.cli.main import main

main()
