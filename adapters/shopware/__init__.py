"""The shopware adapter (being built)."""
