"""The web app for contract managers: server-rendered pages over the same use cases as the CLI."""

# Registers the `{reference:ref}` path converter before any route is declared.
from tracker.web import references as references
