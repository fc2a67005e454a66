"""``unified-orders migrate``: copy orders from one store to another, never twice.

- :mod:`.marker`: the source marker a created order carries, and the source order's checksum;
- :mod:`.idmap`: the id map table in the destination database (DuckDB or PostgreSQL);
- :mod:`.plan`: what a target can carry, product mapping, and the dry-run checks;
- :mod:`.carry`: refunds and shipments made again on the migrated order;
- :mod:`.verify`: the migrated order read back and compared with the source;
- :mod:`.job`: the run itself (resumable; one result per order).
"""

from .idmap import IdMap, MapRow, Outcome, open_idmap, read_idmap
from .job import Endpoint, Migration, MigrationOptions, MigrationSummary, OrderResult
from .marker import checksum, marker_for
from .plan import ProductMap, load_product_map

__all__ = [
    "Endpoint",
    "IdMap",
    "MapRow",
    "Migration",
    "MigrationOptions",
    "MigrationSummary",
    "OrderResult",
    "Outcome",
    "ProductMap",
    "checksum",
    "load_product_map",
    "marker_for",
    "open_idmap",
    "read_idmap",
]
