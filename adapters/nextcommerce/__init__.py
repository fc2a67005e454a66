"""The nextcommerce adapter (being built)."""
