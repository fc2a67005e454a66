"""CLI start-up time: ``--help``, ``--version`` and ``stores list`` as ratios to ``python -c pass``.

    python bench/startup.py                   # this checkout, 20 runs of each
    python bench/startup.py --runs 50
    python bench/startup.py --source /tmp/before   # another tree (e.g. `git archive` of a commit)
    python bench/startup.py --imports         # also: what each command imports, slowest first

Each command runs as a fresh process (``python -m unified_orders ...``) with no config file and an
empty data dir, so it starts the way a user's command does. The figure is the median wall time
of ``--runs`` runs (the minimum beside it), and its ratio to the interpreter's own start-up.
``--source DIR`` measures the tree in DIR (its ``src/`` and ``adapters/``) instead of this one.
Results are recorded in bench/README.md, never asserted in tests (tests/cli/test_startup_imports.py
asserts the import graph instead).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "--help": ["-m", "unified_orders", "--help"],
    "--version": ["-m", "unified_orders", "--version"],
    "stores list": ["-m", "unified_orders", "stores", "list"],
}


def environment(source: Path | None, scratch: Path) -> dict[str, str]:
    """A clean user environment; with ``source``, that tree's packages first on the path."""
    env = {
        **os.environ,
        "UNIFIED_ORDERS_DATA_DIR": str(scratch / "data"),
        "XDG_CONFIG_HOME": str(scratch / "config"),
        "COLUMNS": "80",
    }
    env.pop("UNIFIED_ORDERS_CONFIG", None)
    if source is not None:
        packages = scratch / "packages"
        packages.mkdir(exist_ok=True)
        link = packages / "unified_orders_adapters"
        if not link.exists():
            link.symlink_to(source.resolve() / "adapters")
        env["PYTHONPATH"] = os.pathsep.join([str(source.resolve() / "src"), str(packages)])
    return env


def timed(args: list[str], env: dict[str, str], runs: int) -> list[float]:
    """Wall seconds of ``runs`` fresh processes (after one warm-up run)."""
    command = [sys.executable, *args]
    subprocess.run(command, env=env, capture_output=True, check=True)
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True)
        seconds.append(time.perf_counter() - start)
    return seconds


def slowest_imports(args: list[str], env: dict[str, str], count: int = 8) -> list[str]:
    """The top-level imports that took longest (``python -X importtime``), cumulative."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args], env=env, capture_output=True, text=True
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2]
        if len(name) - len(name.lstrip()) == 1:  # imported by the command itself, not nested
            rows.append((int(parts[1]), name.strip()))
    return [f"{name} {us / 1000:.0f} ms" for us, name in sorted(rows, reverse=True)[:count]]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--source", type=Path, help="measure this tree instead of the checkout")
    parser.add_argument("--imports", action="store_true", help="list the slowest imports too")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        env = environment(options.source, Path(scratch))
        results = {name: timed(args, env, options.runs) for name, args in COMMANDS.items()}
        base = statistics.median(results["python -c pass"])
        print(f"{'command':<16} {'median':>9} {'min':>9} {'ratio':>7}")
        for name, seconds in results.items():
            median = statistics.median(seconds)
            print(
                f"{name:<16} {median * 1000:7.0f}ms {min(seconds) * 1000:7.0f}ms {median / base:6.1f}x"
            )
        if options.imports:
            for name, args in list(COMMANDS.items())[1:]:
                print(f"\n{name}: " + ", ".join(slowest_imports(args, env)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
