"""The REST Admin API dialect (legacy; no returns): ``adapter`` (the operations) and
``translate`` (REST JSON <-> canonical)."""
