"""Subcommands, one module each (discovered by obslint.cli)."""
