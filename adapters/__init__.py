"""Built-in adapters; each registers through the ``unified_orders`` entry-point group."""
