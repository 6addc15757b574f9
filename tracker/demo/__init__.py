"""Demo: a small portfolio dated around today, with a year of compliance history."""
