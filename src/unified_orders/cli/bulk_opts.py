"""The options every bulk command (``--from-csv``) and every single write share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = [
    "EncodingOpt",
    "KeyOpt",
    "ResultsOpt",
    "RetryOpt",
    "csv_option",
    "results_path",
]

KeyOpt = Annotated[str | None, typer.Option(help="Key for exactly-once (default: a fresh one).")]
ResultsOpt = Annotated[
    Path | None,
    typer.Option(
        help="Bulk: the results CSV each run appends its rows' outcomes to "
        "(default: FILE.results.csv)."
    ),
]
RetryOpt = Annotated[
    bool,
    typer.Option(
        "--retry-unfinished",
        help="Bulk: send again what an interrupted run left with an unknown outcome (check "
        "the platform first; each is looked up by its key before it is sent).",
    ),
]
EncodingOpt = Annotated[
    str,
    typer.Option(help="Bulk: the CSV's text encoding, e.g. latin-1 (default: UTF-8)."),
]


def csv_option(columns: str) -> Any:
    """``--from-csv FILE``, its help naming the file's ``columns``."""
    return typer.Option(
        "--from-csv", help=f"Bulk: a CSV with columns {columns}.", exists=True, dir_okay=False
    )


def results_path(source: Path, results: Path | None) -> Path:
    """``--results``, or ``FILE.results.csv`` beside the input."""
    return results or source.with_name(f"{source.stem}.results.csv")
