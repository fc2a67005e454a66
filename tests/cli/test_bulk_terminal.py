"""A bulk run at an 80-column terminal (a real pseudo-terminal, pexpect): the summary and every
invalid row (row, CSV column, why) are on the screen before the ``[y/N]`` question; answering
``y`` sends the valid refunds only, answering ``n`` sends nothing."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest
from conftest import Run, lines_of

WIDTH = 80
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BULK_CLI = Path(__file__).resolve().parent / "bulk_cli.py"
HEADER = "store,order,line,quantity,restock,location,shipping,note,group\n"
ROWS = (
    "toy,1001,10011,1,,,,broken,\n"
    "toy,1002,10021,two,,,,,\n"
    "toy,1003,10031,1,sideways,,,,a\n"
    "toy,1003,10032,9,,,,,b\n"  # the platform's refusal: only 3 units
)


def _screen(child: pexpect.spawn) -> str:
    return ANSI.sub("", child.before or "").replace("\r", "")


def _spawn(config: Path, source: Path) -> pexpect.spawn:
    env = {**os.environ, "COLUMNS": str(WIDTH), "LINES": "60", "TERM": "xterm"}
    args = [str(BULK_CLI), "--config", str(config), "refunds", "create", "--from-csv", str(source)]
    return pexpect.spawn(
        sys.executable, args, env=env, encoding="utf-8", timeout=120, dimensions=(60, WIDTH)
    )


def refunds_of(run: Run, config: Path, order: str) -> list[Any]:
    return lines_of(run("refunds", "list", "toy", order, config=config))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "refunds.csv"
    path.write_text(HEADER + ROWS)
    return path


def test_invalid_rows_are_on_the_screen_before_the_question(
    run: Run, toy_config: Path, source: Path
) -> None:
    child = _spawn(toy_config, source)
    child.expect(r"\[y/N\]")
    before = _screen(child)
    assert "4 row(s): 1 valid to send as 1 refund(s) totalling 12.50 USD" in before
    assert "3 invalid (not sent); 0 already done" in before
    table = before[before.index("Invalid rows (not sent)") :]
    for row, column, words in [
        ("2", "quantity", "'two' is not a whole number"),
        ("3", "restock", "'sideways' is not one of"),
        ("4", "quantity", "only 3 of line 10032"),
    ]:
        assert re.search(rf"│\s+{row} │.*│ {column}\s+│", table), table
        assert words in " ".join(re.sub(r"[│┃]", " ", table).split()), table
    assert "Refunds to create" in before
    question = before.splitlines()[-1]
    assert question.startswith("Create 1 refund(s) totalling 12.50 USD (not the 3 invalid row(s))?")
    tables = [line for line in before.splitlines() if line[:1] in "┏┃┡│└"]
    wide = [line for line in tables if len(line) > WIDTH]
    assert not wide, "\n".join(wide)
    assert "…" not in before

    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 9  # some rows did not go through
    assert len(refunds_of(run, toy_config, "1001")) == 1
    assert refunds_of(run, toy_config, "1002") == refunds_of(run, toy_config, "1003") == []


def test_answering_no_sends_nothing(run: Run, toy_config: Path, source: Path) -> None:
    child = _spawn(toy_config, source)
    child.expect(r"\[y/N\]")
    assert "row" in _screen(child)
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 8
    assert "nothing was sent" in _screen(child)
    assert refunds_of(run, toy_config, "1001") == []
