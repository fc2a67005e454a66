"""A fast start, asserted as an import graph (no timers): the CLI's entry, ``--help`` and
``--version`` load no DuckDB, HTTP layer, pydantic models or adapters; commands load what they
use when they run. Start-up times are measured by bench/startup.py, not here."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from unified_orders.cli.app import COMMANDS, app
from unified_orders.cli.fields import SHOWN

ROOT = Path(__file__).resolve().parents[2]

#: What a start-up must not load: each is a large import, and none is needed to show help.
HEAVY = ("duckdb", "httpx", "pydantic", "unified_orders_adapters", "unified_orders.models")

_PROBE = """
import sys
from unified_orders.cli.app import app
if sys.argv[1:]:
    try:
        app(sys.argv[1:], prog_name="unified-orders")
    except SystemExit:
        pass
print(" ".join(sys.modules))
"""


def loaded_by(*args: str) -> set[str]:
    """Which of :data:`HEAVY` a fresh interpreter has loaded after importing the app (and
    running it with ``args``)."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=ROOT,
    )
    modules = done.stdout.split()
    return {h for h in HEAVY if any(m == h or m.startswith(f"{h}.") for m in modules)}


@pytest.mark.parametrize(
    "args", [(), ("--help",), ("--version",)], ids=["import", "help", "version"]
)
def test_the_entry_help_and_version_load_nothing_heavy(args: tuple[str, ...]) -> None:
    assert loaded_by(*args) == set()


def test_a_command_loads_what_it_uses() -> None:
    used = loaded_by("stores", "list")
    assert "pydantic" in used  # the config and the adapters' settings
    assert not {"duckdb", "httpx"} & used  # listing stores neither syncs nor connects


def test_importing_the_library_loads_names_on_first_use() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, unified_orders as uo\n"
            "assert 'httpx' not in sys.modules and 'pydantic' not in sys.modules\n"
            "from unified_orders.connect import connect\n"
            "assert uo.connect is connect, uo.connect  # the function, not the module\n"
            "assert uo.Order.__name__ == 'Order' and 'pydantic' in sys.modules\n",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _first_paragraph(text: str) -> str:
    return " ".join(inspect.cleandoc(text).split("\n\n")[0].split())


def test_the_root_help_summaries_are_the_commands_own() -> None:
    root = typer.main.get_command(app)
    context = typer.Context(root)
    for name, entry in COMMANDS.items():
        command = root.get_command(context, name)
        assert command is not None, name
        assert _first_paragraph(command.help or "") == entry.summary, name


def test_every_command_says_what_its_results_hold() -> None:
    root = typer.main.get_command(app)

    def leaves(command: object, path: str) -> list[str]:
        context = typer.Context(command)  # type: ignore[arg-type]
        names = getattr(command, "list_commands", lambda _: [])(context)
        if not names:
            return [path]
        return [
            leaf
            for name in names
            for leaf in leaves(command.get_command(context, name), f"{path} {name}".strip())  # type: ignore[attr-defined]
        ]

    assert sorted(leaves(root, "")) == sorted(SHOWN)
