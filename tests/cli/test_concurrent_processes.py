"""Exactly-once across processes: CLI commands racing on the same sandbox stores.

Each test runs on the toy store (proving the CLI's own locks and key lookups whatever the
adapters do) and on every built-in sandbox store. The processes share the sandbox state files,
the lock directory and the bulk ledgers, as separate commands on one machine do.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import Run
from procs import (
    TARGETS,
    TRIALS,
    config_for,
    finish,
    order_of,
    refund_ids,
    refundable,
    refunded_units,
    require,
    start,
    together,
)

from unified_orders.cli.bulk import ledger_path


@pytest.fixture(params=TARGETS)
def store(request: pytest.FixtureRequest, toy: None) -> str:
    """The store under test (skips a sandbox whose adapter is missing)."""
    name: str = request.param
    require(name)
    return name


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return config_for(tmp_path)


def create(store: str, order: str, line: str, units: int, *more: str) -> list[str]:
    return ["refunds", "create", store, order, "--line", f"{line}:{units}", "--yes", *more]


def test_two_processes_on_one_two_unit_line_never_refund_more_or_lose_one(
    run: Run, config: Path, store: str
) -> None:
    tally: Counter[str] = Counter()
    for trial in range(TRIALS):
        run("sandbox", "reset", store, config=config)
        ((order, line),) = refundable(run, config, store, 2)
        before = refunded_units(run, config, store, order, line)
        asks = (2, 1) if trial % 2 == 0 else (1, 1)  # over-refund, then lost-update races
        results = together(config, *(create(store, order, line, units) for units in asks))
        for result in results:
            assert result.code in (0, 4, 6), str(result)  # done, or refused before money moved
        won = [(units, r) for units, r in zip(asks, results, strict=True) if r.code == 0]
        refunded = refunded_units(run, config, store, order, line) - before
        saved = refund_ids(run, config, store, order)
        lost = [r.records()[-1]["id"] for _, r in won if r.records()[-1]["id"] not in saved]
        tally["over-refunded"] += refunded > 2
        tally["lost"] += len(lost)
        tally["reported units != saved units"] += refunded != sum(u for u, _ in won)
        tally[f"asked {asks}: {len(won)} succeeded"] += 1
    print(f"{store}, {TRIALS} trials: {dict(tally)}")  # the counts, shown with pytest -rP
    problems = {k: v for k, v in tally.items() if k in ("over-refunded", "lost") or "!=" in k}
    assert not any(problems.values()), f"{store} over {TRIALS} trials: {dict(tally)}"


def test_eight_mixed_commands_at_once_lose_no_refund(run: Run, config: Path, store: str) -> None:
    targets = refundable(run, config, store, 1, distinct_orders=4)
    order = targets[0][0]
    reads = [
        ["orders", "list", store],
        ["orders", "get", store, order],
        ["stores", "check", store],
        ["refunds", "list", store, order],
    ]
    writes = [create(store, o, line, 1) for o, line in targets]
    commands = (writes + reads)[:8]
    while len(commands) < 8:
        commands.append(reads[len(commands) % len(reads)])
    results = together(config, *commands)
    reported: list[tuple[str, str]] = []
    for command, result in zip(commands, results, strict=True):
        assert result.code == 0, str(result)
        if command in writes:
            reported.append((command[3], result.records()[-1]["id"]))
    lost = [(o, r) for o, r in reported if r not in refund_ids(run, config, store, o)]
    assert lost == [], f"{store}: {len(lost)} of {len(reported)} reported refunds lost: {lost}"
    assert len(reported) == len(writes)


def test_the_same_key_from_another_process_returns_the_first_refund(
    run: Run, config: Path, store: str
) -> None:
    ((order, line),) = refundable(run, config, store, 2)
    before = refunded_units(run, config, store, order, line)
    key = "cli-proof-same-key-1"
    # the whole line: after the first refund, only the key (not a new preview) can answer
    command = create(store, order, line, 2, "--idempotency-key", key)
    racing = together(config, command, command)  # two processes at once
    later = finish(start(config, *command))  # and a retry afterwards, as after exit 7
    for result in [*racing, later]:
        assert result.code == 0, str(result)
    ids = {result.records()[-1]["id"] for result in [*racing, later]}
    assert len(ids) == 1, f"{store}: one key gave refunds {sorted(ids)}"
    carrying = [
        r for r in order_of(run, config, store, order)["refunds"] if r["idempotency_key"] == key
    ]
    assert [r["id"] for r in carrying] == list(ids)
    assert refunded_units(run, config, store, order, line) == before + 2
    assert "already carries idempotency key" in later.stderr


def _bulk_csv(path: Path, store: str, targets: list[tuple[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["store", "order", "line", "quantity", "restock", "location", "shipping", "note"]
        )
        for order, line in targets:
            writer.writerow([store, order, line, "1", "", "", "", "bulk proof"])
    return path


def _bulk(source: Path, *more: str) -> list[str]:
    return ["refunds", "create", "--from-csv", str(source), "--yes", *more]


def test_the_same_csv_run_twice_at_once_refunds_each_row_once(
    run: Run, config: Path, store: str, tmp_path: Path
) -> None:
    targets = refundable(run, config, store, 1, distinct_orders=3)
    before = {o: len(refund_ids(run, config, store, o)) for o, _ in targets}
    source = _bulk_csv(tmp_path / "bulk.csv", store, targets)
    first, second = together(config, _bulk(source), _bulk(source))
    assert (first.code, second.code) == (0, 0), f"{first}\n{second}"
    outcomes = Counter(r["outcome"] for r in first.records() + second.records())
    assert outcomes == {"refunded": len(targets), "already-refunded": len(targets)}
    after = {o: len(refund_ids(run, config, store, o)) for o, _ in targets}
    assert after == {o: n + 1 for o, n in before.items()}


def test_the_same_csv_from_two_folders_at_once_refunds_each_row_once(
    run: Run, config: Path, store: str, tmp_path: Path
) -> None:
    targets = refundable(run, config, store, 1, distinct_orders=3)
    before = {o: len(refund_ids(run, config, store, o)) for o, _ in targets}
    here = _bulk_csv(tmp_path / "here" / "bulk.csv", store, targets)
    there = _bulk_csv(tmp_path / "there" / "bulk.csv", store, targets)
    first, second = together(config, _bulk(here), _bulk(there))
    assert (first.code, second.code) == (0, 0), f"{first}\n{second}"
    after = {o: len(refund_ids(run, config, store, o)) for o, _ in targets}
    assert after == {o: n + 1 for o, n in before.items()}, f"{store}: {before} -> {after}"
    # one run made each refund; the other found it on the platform by its key
    outcomes = Counter(r["outcome"] for r in first.records() + second.records())
    assert outcomes == {"refunded": len(targets), "already-refunded": len(targets)}


def test_a_bulk_run_killed_after_the_platform_accepted_never_refunds_twice(
    run: Run, config: Path, store: str, tmp_path: Path
) -> None:
    ((order, line),) = refundable(run, config, store, 1)
    before = refund_ids(run, config, store, order)
    units = refunded_units(run, config, store, order, line)
    source = _bulk_csv(tmp_path / "bulk.csv", store, [(order, line)])
    killed = finish(start(config, *_bulk(source), env={"UO_TEST_KILL_AT": "done"}))
    assert killed.code == -9, str(killed)  # SIGKILL: no cleanup ran
    ledger = ledger_path(source.with_name("bulk.results.csv"))
    assert [json.loads(x)["event"] for x in ledger.read_text().splitlines()] == ["sending"]
    assert len(refund_ids(run, config, store, order)) == len(before) + 1  # the platform has it

    unsure = finish(start(config, *_bulk(source)))
    assert unsure.code == 9, str(unsure)
    assert [r["outcome"] for r in unsure.records()] == ["ambiguous"]
    retried = finish(start(config, *_bulk(source, "--retry-unfinished")))
    assert retried.code == 0, str(retried)
    assert [r["outcome"] for r in retried.records()] == ["already-refunded"]
    after = refund_ids(run, config, store, order)
    assert len(after) == len(before) + 1, f"{store}: refunded twice: {after}"
    assert refunded_units(run, config, store, order, line) == units + 1
