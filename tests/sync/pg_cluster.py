"""A throwaway PostgreSQL cluster for the tests, and queries that read either destination.

The cluster is made with the server's own ``initdb`` and ``pg_ctl`` in a temporary directory and
listens on a free loopback port (no unix socket in a shared place). As root (CI), initdb refuses
to run, so the cluster runs as the ``postgres`` user that Debian's server package creates, via
``runuser``. Without PostgreSQL's programs the PostgreSQL tests skip, saying why; under CI
(``CI=true``) they fail instead, since ``.ci/run`` installs the server.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

#: The ``postgres`` user a root process runs the cluster as.
CLUSTER_USER = "postgres"


def server_programs() -> Path | None:
    """The directory with ``initdb`` and ``pg_ctl`` (PATH first, then Debian's versioned ones)."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def why_not() -> str | None:
    """Why no cluster can be started here (None: it can)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed: pip install -e '.[postgres]'"
    if server_programs() is None:
        return "no PostgreSQL server programs (initdb, pg_ctl): apt-get install postgresql"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(CLUSTER_USER)
        except KeyError:
            return f"running as root and there is no {CLUSTER_USER!r} user to run the server as"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """A running throwaway cluster; :meth:`database` makes a fresh empty database."""

    def __init__(self) -> None:
        programs = server_programs()
        assert programs is not None
        self.programs = programs
        self.root = Path(tempfile.mkdtemp(prefix="unified-orders-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = "unified_orders_test"
        self._as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres user
            account = pwd.getpwnam(CLUSTER_USER)
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as = ["runuser", "-u", CLUSTER_USER, "--"]
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as, str(self.programs / program), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.root / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed: {done.stderr or done.stdout}\n{tail}")

    def url(self, database: str = "postgres") -> str:
        """The URL of a database of this cluster."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        """Stop the server at once and remove its files."""
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def is_url(db: Path | str) -> bool:
    return isinstance(db, str) and db.startswith("postgresql://")


def query(db: Path | str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Every row of ``sql`` (``?`` placeholders) on a DuckDB file or a PostgreSQL URL."""
    if is_url(db):
        import psycopg

        with psycopg.connect(str(db)) as con:
            return con.execute(sql.replace("?", "%s"), list(params)).fetchall()
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def one(db: Path | str, sql: str, *params: Any) -> Any:
    """The one row of ``sql`` (its one value when it has one column)."""
    rows = query(db, sql, *params)
    assert len(rows) == 1, rows
    row = rows[0]
    return row[0] if len(row) == 1 else row


def execute(db: Path | str, statements: Iterator[tuple[str, list[Any]]]) -> None:
    """Run writing statements (``?`` placeholders) on either destination, in one transaction."""
    if is_url(db):
        import psycopg

        with psycopg.connect(str(db)) as con:
            for sql, params in statements:
                con.execute(sql.replace("?", "%s"), params)
        return
    with duckdb.connect(str(db)) as con:
        for sql, params in statements:
            con.execute(sql, params)
