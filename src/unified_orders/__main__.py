"""``python -m unified_orders``: the same as the ``unified-orders`` command."""

from .cli import main

if __name__ == "__main__":
    main()
