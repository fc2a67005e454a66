"""The REST Admin API dialect (legacy; no returns): ``adapter``."""
