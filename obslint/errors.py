"""Errors the command line turns into exit code 2 (kept apart so that importing them is free)."""


class UsageError(Exception):
    """Bad arguments or configuration: exit code 2 with a one-line message."""
