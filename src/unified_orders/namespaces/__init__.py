"""The namespaces of a store (``store.orders``, ``.refunds``, ``.returns``, ``.fulfillments``),
one module each, sync and async side by side."""
