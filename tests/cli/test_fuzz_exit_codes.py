"""Every user or environment error gets its documented exit code: never 1 ("a bug").

A table of known-bad inputs (dates, amounts, ids, stores, CSV files, flags, config files, paths)
plus seeded random combinations of them, on the toy store and the built-in sandbox stores.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unified_orders.cli import app
from unified_orders.cli.errors import ExitCode

HEADER = "store,order,line,quantity,restock,location,shipping,note\n"
DOCUMENTED = {int(code) for code in ExitCode} - {int(ExitCode.INTERNAL)}
STORES = ["toy", "sandbox-nextcommerce", "sandbox-shopify", "sandbox-shopware", "nope", ""]

BAD_DATES = ["notadate", "2025-13-45", "2025-02-30", "99999-01-01", "", "2025-01-01T25:61", "-1"]
BAD_AMOUNTS = ["4,99", "NaN", "-Infinity", "1e999999", "0.001", "-5", "", "abc", "١٢", "full2"]
BAD_IDS = ["", " ", "../../etc/passwd", "%00", "x" * 3000, "1 OR 1=1", "?a=b", "#f", "http://e/"]
BAD_LINES = ["::", "a:b", "10011:0", "10011:-1", "10011:99999999999999999999", "10011:1:sideways"]
BAD_LINES += [":1", "10011", "10011:1:return:", "10011:1::", "gid://x/1:1:2:3:4"]
BAD_KEYS = ["", "a b", "k" * 100, "é", "-leading", "k\nk"]
BAD_LIMITS = ["-1", "0", "abc", "99999999999999999999999", "1.5"]

CSV_FILES: dict[str, bytes] = {
    "empty": b"",
    "header-only": HEADER.encode(),
    "latin-1": (HEADER + "toy,1001,10011,1,,,,café\n").encode("latin-1"),
    "utf-16": (HEADER + "toy,1001,10011,1,,,,\n").encode("utf-16"),
    "extra-cell": (HEADER + "toy,1001,10011,4,99,,,,\n").encode(),
    "nul": (HEADER + "toy,1001,10011,1,,,,\x00\n").encode(),
    "binary": bytes(range(256)),
    "open-quote": (HEADER + 'toy,1001,10011,"1,,,,\n').encode(),
    "huge-quantity": (HEADER + "toy,1001,10011,99999999999999999999999,,,,\n").encode(),
    "negative": (HEADER + "toy,1001,10011,-1,,,,\n").encode(),
    "bad-shipping": (HEADER + "toy,1001,,,,,NaN,\n").encode(),
    "long-cell": (HEADER + "toy,1001,10011,1,,,," + "x" * 200_000 + "\n").encode(),
    "only-commas": b",,,,\n,,,\n",
    "duplicate-columns": b"store,store,order\n1,2,3\n",
    "unknown-store": (HEADER + "nope,1,1,1,,,,\n").encode(),
    "unknown-order": (HEADER + "toy,9999,1,1,,,,\n").encode(),
    "sandbox-garbage": (HEADER + "sandbox-shopware,xyz,1,1,,,,\n").encode(),
}
CONFIG_FILES: dict[str, bytes] = {
    "not-toml": b"[[[",
    "stores-not-a-table": b"stores = 3",
    "no-platform": b"[stores.a]\nx = 1\n",
    "unknown-platform": b'[stores.a]\nplatform = "zzz"\n',
    "unknown-setting": b'[stores.a]\nplatform = "toy"\ncolour = 1\n',
    "unset-variable": b'[stores.a]\nplatform = "toy"\ntoken_env = "UO_FUZZ_UNSET"\n',
    "not-utf8": b"\x00\xff\xfe",
}


def _per_store(store: str) -> Iterator[list[str]]:
    for value in BAD_DATES:
        yield ["orders", "list", store, "--created-since", value]
    for value in BAD_LIMITS:
        yield ["orders", "list", store, "--limit", value]
    for value in BAD_IDS:
        yield ["orders", "get", store, value]
    for value in BAD_LINES:
        yield ["refunds", "calculate", store, "1001", "--line", value]
    for value in BAD_AMOUNTS:
        yield ["refunds", "calculate", store, "1001", "--shipping", value]
    for value in BAD_KEYS:
        yield [
            "refunds",
            "create",
            store,
            "1001",
            "--line",
            "10011:1",
            "--yes",
            "--idempotency-key",
            value,
        ]
    yield ["refunds", "create", store, "nope", "--line", "1:1", "--yes"]
    yield ["orders", "cancel", store, "1001", "--reason", "bogus", "--yes"]
    yield ["orders", "set-address", store, "1001", "--country-code", "ZZZZ"]
    yield ["returns", "create", store, "1001", "--line", "10011:1:bogus-reason"]
    yield ["fulfillments", "hold", store, "nope", "--reason", "bogus"]
    yield ["fulfillments", "move", store, "nope", "nope"]
    yield ["returns", "approve", store, "nope"]


def _cases(tmp: Path) -> list[list[str]]:
    for name, content in CSV_FILES.items():
        (tmp / f"{name}.csv").write_bytes(content)
    for name, content in CONFIG_FILES.items():
        (tmp / f"{name}.toml").write_bytes(content)
    (tmp / "a-folder").mkdir()
    (tmp / "a-file").write_text("")
    cases = [case for store in STORES for case in _per_store(store)]
    cases += [
        ["refunds", "create", "--from-csv", str(tmp / f"{n}.csv"), "--yes"] for n in CSV_FILES
    ]
    latin = str(tmp / "latin-1.csv")
    cases += [
        ["refunds", "create", "--from-csv", str(tmp / "a-folder"), "--yes"],
        ["refunds", "create", "--from-csv", str(tmp / "missing.csv"), "--yes"],
        ["refunds", "create", "--from-csv", latin, "--encoding", "klingon", "--yes"],
        ["refunds", "create", "--from-csv", latin, "--encoding", "utf-16", "--yes"],
        ["refunds", "create", "--from-csv", latin, "--results", str(tmp / "a-folder"), "--yes"],
        ["refunds", "create", "--from-csv", latin, "--results", str(tmp / "a-file" / "x.csv")],
        ["refunds", "create", "toy", "1001", "--from-csv", latin],
        ["sync", "--db", str(tmp / "x.duckdb"), "--db-memory-limit", "lots"],
        ["sync", "--db", str(tmp / "a-folder")],
        ["sync", "--db", str(tmp / "a-file" / "x.duckdb")],
        ["sync", "--db", str(tmp / "not-toml.toml"), "toy"],
        ["sync", "nope", "--db", str(tmp / "y.duckdb")],
        ["report", "refunds", "--db", str(tmp / "missing.duckdb")],
        ["report", "refunds", "--db", str(tmp / "not-toml.toml")],
        ["report", "nonsense", "--db", str(tmp / "missing.duckdb")],
        ["export", "--db", str(tmp / "missing.duckdb")],
        ["export", "--db", str(tmp / "not-toml.toml")],
        ["export", "--format", "xml"],
        ["--json", "--table", "stores", "list"],
        ["nope"],
        ["orders", "--bogus"],
        ["orders", "list"],
        ["refunds", "create", "toy", "1001", "--yes"],
        ["sandbox", "reset", "../../x"],
        ["coverage", "nope"],
        ["stores", "check", "nope", "toy"],
    ]
    cases += [["--config", str(tmp / f"{n}.toml"), "orders", "list", "a"] for n in CONFIG_FILES]
    cases += [["--config", str(tmp / "a-folder"), "stores", "list"]]
    cases += [["--config", str(tmp / "missing.toml"), "stores", "list"]]
    return cases


def _random_cases(count: int, seed: int) -> list[list[str]]:
    """Commands whose every slot is drawn from the bad (and some good) values."""
    chooser = random.Random(seed)
    pick = chooser.choice
    good = ["toy", "1001", "10011:1"]
    made = []
    for _ in range(count):
        store = pick(STORES + good[:1])
        template = pick(
            [
                [
                    "orders",
                    "list",
                    store,
                    "--updated-since",
                    pick(BAD_DATES),
                    "--limit",
                    pick(BAD_LIMITS),
                ],
                [
                    "refunds",
                    "calculate",
                    store,
                    pick(BAD_IDS + good[1:2]),
                    "--line",
                    pick(BAD_LINES + good[2:]),
                ],
                [
                    "refunds",
                    "create",
                    store,
                    pick(BAD_IDS + good[1:2]),
                    "--line",
                    pick(BAD_LINES + good[2:]),
                    "--shipping",
                    pick(BAD_AMOUNTS),
                    "--idempotency-key",
                    pick([*BAD_KEYS, "ok-key"]),
                    "--yes",
                ],
                ["returns", "create", store, pick(BAD_IDS), "--line", pick(BAD_LINES)],
                [
                    "fulfillments",
                    pick(["hold", "release", "request", "locations"]),
                    store,
                    pick(BAD_IDS),
                ],
                [
                    "orders",
                    "set-address",
                    store,
                    pick(BAD_IDS + good[1:2]),
                    "--postal-code",
                    pick(BAD_IDS),
                ],
            ]
        )
        made.append(template)
    return made


@pytest.fixture
def fuzz_config(tmp_path: Path, toy: None) -> Path:
    path = tmp_path / "fuzz.toml"
    path.write_text(
        'include_sandbox_stores = true\n\n[stores.toy]\nplatform = "toy"\nsandbox = true\n'
    )
    return path


def _check(runner: CliRunner, config: Path, argv: list[str]) -> str | None:
    full = argv if argv[0] == "--config" else ["--config", str(config), *argv]
    result = runner.invoke(app, full, catch_exceptions=True)
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    if result.exit_code in DOCUMENTED and not escaped:
        return None
    last = (result.stderr.strip().splitlines() or [""])[-1]
    return f"exit {result.exit_code}: {' '.join(a[:40] for a in argv)} -> {last[:300]}"


def test_known_bad_inputs_get_documented_exit_codes(
    fuzz_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # report/export defaults resolve here, never in the checkout
    runner = CliRunner()
    cases = _cases(tmp_path)
    failures = [f for f in (_check(runner, fuzz_config, argv) for argv in cases) if f]
    assert failures == [], f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures)


def test_random_bad_inputs_get_documented_exit_codes(
    fuzz_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    cases = _random_cases(120, seed=14)
    failures = [f for f in (_check(runner, fuzz_config, argv) for argv in cases) if f]
    assert failures == [], f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures)


def _random_csv(chooser: random.Random, path: Path) -> None:
    """A CSV whose cells, row lengths and encoding are drawn at random."""
    cells = {
        "store": ["toy", "nope", "", "sandbox-shopware", "TOY"],
        "order": ["1001", "1002", *BAD_IDS[:4]],
        "line": ["10011", "10012", "10021", "", "x"],
        "quantity": ["1", "2", "", "0", "-1", "1.5", "4", "99999999999999999999"],
        "restock": ["", "return", "cancel", "no_restock", "sideways"],
        "location": ["", "loc-1", "nowhere"],
        "shipping": ["", "full", *BAD_AMOUNTS],
        "note": ["", "ok", "café", "a,b", '"quoted"', "x" * 500],
    }
    columns = list(cells)
    rows = [",".join(columns)]
    for _ in range(chooser.randint(0, 6)):
        row = [chooser.choice(cells[c]) for c in columns]
        if chooser.random() < 0.2:
            row.append(chooser.choice(["99", "", "extra"]))  # a split "4,99"
        if chooser.random() < 0.1:
            row = row[: chooser.randint(0, len(row))]  # a short row
        rows.append(",".join(row))
    text = "\n".join(rows) + "\n"
    encoding = chooser.choice(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"])
    path.write_bytes(text.encode(encoding, errors="replace"))


def test_random_bulk_csv_files_get_documented_exit_codes(
    fuzz_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    chooser = random.Random(1414)
    failures = []
    for number in range(40):
        source = tmp_path / f"random-{number}.csv"
        _random_csv(chooser, source)
        argv = ["refunds", "create", "--from-csv", str(source), "--yes"]
        if chooser.random() < 0.3:
            argv += ["--encoding", chooser.choice(["latin-1", "utf-16", "ascii", "nope"])]
        failure = _check(runner, fuzz_config, argv)
        if failure:
            failures.append(f"{failure}\n  {source.read_bytes()[:300]!r}")
    assert failures == [], "\n".join(failures)
