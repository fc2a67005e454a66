"""Instructions per translation, counted by valgrind (independent of the machine's load).

    python bench/translation_instructions.py [DIALECT ...] [--count 1000]

For each dialect of ``bench/run.py``'s translation section, runs the same replay under
``valgrind --tool=cachegrind`` twice, once with ``count`` translations and once with none, and
prints the difference per translation beside ``json.loads`` of the same bytes counted the same
way: thousands of instructions, and their ratio. Needs valgrind on the PATH. Recorded figures:
bench/README.md ("Translation").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _child(label: str, what: str, count: int) -> None:
    """Run ``count`` translations (or json.loads) of ``label``'s replay, then exit."""
    sys.path.insert(0, str(HERE))
    import run  # bench/run.py

    settings = next(s for name, _, s in run.DIALECTS if name == label)
    platform = next(p for name, p, _ in run.DIALECTS if name == label)
    translate, baseline = run.replay(platform, 30, settings)
    step = translate if what == "translate" else baseline
    for _ in range(count):
        step()


def _instructions(label: str, what: str, count: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        subprocess.run(
            [
                "valgrind",
                "--tool=cachegrind",
                "--cache-sim=no",
                f"--cachegrind-out-file={out}",
                sys.executable,
                __file__,
                "--child",
                label,
                what,
                str(count),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        summary = re.search(r"^summary:\s+(\d+)", out.read_text(), re.MULTILINE)
        assert summary is not None, "cachegrind wrote no summary"
        return int(summary.group(1))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    sys.path.insert(0, str(HERE))
    import run

    parser = argparse.ArgumentParser()
    parser.add_argument("dialects", nargs="*", default=[name for name, _, _ in run.DIALECTS])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    for label in args.dialects:
        base = _instructions(label, "translate", 0)
        ours = (_instructions(label, "translate", args.count) - base) / args.count
        loads = (_instructions(label, "loads", args.count) - base) / args.count
        figures = {
            "translate_k": round(ours / 1000),
            "json_loads_k": round(loads / 1000),
            "ratio": round(ours / loads, 2),
        }
        print(f"{label:13} {json.dumps(figures)}", flush=True)


if __name__ == "__main__":
    main()
