"""The buyer's own closure days, which business-day deadlines skip."""
