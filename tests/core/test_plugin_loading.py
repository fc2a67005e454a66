"""Entry-point loading, in fresh interpreters: broken plugins are skipped, loading can be limited."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPORT = (
    "import json, warnings, unified_orders as uo;"
    "warnings.simplefilter('ignore');"
    "print(json.dumps({k: v.error for k, v in uo.adapters().items()}))"
)


def fake_distribution(root: Path, name: str, module: str, source: str, platform: str) -> None:
    """An installed distribution (a dist-info folder) whose entry point names ``module``."""
    (root / f"{module}.py").write_text(source)
    info = root / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[unified_orders]\n{platform} = {module}\n")


def adapters_in_subprocess(extra_path: Path | None = None, **env: str) -> dict[str, str | None]:
    environment = {**os.environ, **env}
    if extra_path is not None:
        environment["PYTHONPATH"] = f"{extra_path}{os.pathsep}{environment.get('PYTHONPATH', '')}"
    out = subprocess.run(
        [sys.executable, "-c", REPORT], capture_output=True, text=True, env=environment, check=True
    )
    result: dict[str, str | None] = json.loads(out.stdout)
    return result


def test_broken_plugin_is_reported_and_skipped(tmp_path: Path) -> None:
    fake_distribution(
        tmp_path, "uo-broken", "uo_broken", "raise ImportError('missing sdk')", "broken"
    )
    found = adapters_in_subprocess(tmp_path)
    assert found["broken"] == "ImportError: missing sdk"
    builtins = {name for name, error in found.items() if error is None}
    assert builtins, "the working adapters still load"


def test_load_plugins_env_restricts_loading(tmp_path: Path) -> None:
    fake_distribution(tmp_path, "uo-broken", "uo_broken", "raise ImportError('x')", "broken")
    everything = adapters_in_subprocess(tmp_path)
    if "nextcommerce" not in everything:
        pytest.skip("the nextcommerce adapter is not registered in this install")
    only = adapters_in_subprocess(tmp_path, UNIFIED_ORDERS_LOAD_PLUGINS="nextcommerce")
    assert list(only) == ["nextcommerce"]
    assert adapters_in_subprocess(tmp_path, UNIFIED_ORDERS_LOAD_PLUGINS="") == {}


def test_broken_plugin_warns(tmp_path: Path) -> None:
    fake_distribution(tmp_path, "uo-broken", "uo_broken", "raise RuntimeError('boom')", "broken")
    code = "import unified_orders as uo; uo.adapters()"
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert "PluginLoadWarning" in out.stderr
    assert "'broken'" in out.stderr
    assert "boom" in out.stderr
