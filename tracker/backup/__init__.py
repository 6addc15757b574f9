"""Backup and restore: a consistent copy of the database and the evidence store, with a
manifest of hashes, restored into an empty database and folder."""

from tracker.backup.archive import BackupResult, RestoreResult, backup, restore

__all__ = ["BackupResult", "RestoreResult", "backup", "restore"]
