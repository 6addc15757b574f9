"""Reminders: the sweep that finds what is due, composing emails, the outbox relay, heartbeats."""
