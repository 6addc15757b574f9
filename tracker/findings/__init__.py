"""Findings: non-compliance findings and their corrective action plans."""
