"""Compliance reports: figures for a scope and period, rendered as HTML, PDF, CSV and XLSX,
and the record of every report produced."""
