"""The JSON API under /api/v1: the same use cases as the pages and the CLI, for scripts and
other systems, authenticated by personal bearer tokens and described by OpenAPI."""
