"""Errors the service reports to users; each carries the sentence the user will read."""

from __future__ import annotations


class RotaError(Exception):
    """A runtime failure with a clear message (exit 1)."""


class UsageError(RotaError):
    """Bad input on the command line or in a file the user named (exit 2)."""
