"""The ``unified-orders`` command line (typer + rich). ``main`` is the console script."""

from .app import app, main

__all__ = ["app", "main"]
