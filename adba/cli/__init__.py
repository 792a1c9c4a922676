"""The command line: typer commands, rendering and exit codes."""
