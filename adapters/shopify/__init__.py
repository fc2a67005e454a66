"""The shopify adapter (being built)."""
