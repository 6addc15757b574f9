"""Audit: the append-only, hash-chained trail of every change, and its verification."""
