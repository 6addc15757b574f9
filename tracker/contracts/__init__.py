"""Contracts: suppliers and their contacts, contracts, attached clauses, events, upgrades."""
