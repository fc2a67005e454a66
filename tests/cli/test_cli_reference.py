"""The generated CLI reference is current, and the CLI guide lists every exit code."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from unified_orders.cli.errors import ExitCode

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "cli_reference", DOCS / "_tools" / "cli_reference.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_current() -> None:
    generator = _generator()
    page = (DOCS / "cli-reference.md").read_text(encoding="utf-8")
    assert page == generator.render(), (
        "docs/cli-reference.md is stale; regenerate it with `python docs/_tools/cli_reference.py`"
    )


def test_cli_reference_covers_every_command() -> None:
    page = _generator().render()
    for command in ("refunds create", "orders set-address", "fulfillments cancel-request", "sync"):
        assert f"`unified-orders {command}`" in page
    assert "--idempotency-key" in page


def test_cli_guide_lists_every_exit_code() -> None:
    guide = (DOCS / "cli.md").read_text(encoding="utf-8")
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", guide, flags=re.MULTILINE)}
    assert documented == {int(code) for code in ExitCode}
