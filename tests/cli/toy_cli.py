"""Run the CLI with the toy platform registered (for the subprocess and pseudo-terminal tests)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import toy_platform

from unified_orders.cli import main

if __name__ == "__main__":
    toy_platform.register()
    main()
