"""The web app for contract managers: server-rendered pages over the same use cases as the CLI."""
