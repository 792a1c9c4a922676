"""One module per command; each only registers itself through :mod:`adba.cli.boundary`."""
