"""Obligations: planning dated duties from attached clauses, their status, decisions, waivers."""
