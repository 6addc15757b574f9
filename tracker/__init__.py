"""Clause Tracker: post-award monitoring of ethical clauses in public ICT contracts."""

__version__ = "0.1.0"
