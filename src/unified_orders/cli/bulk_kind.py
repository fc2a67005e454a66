"""What one kind of bulk run (refunds, shipments) brings to the shared machinery of :mod:`.bulk`.

The machinery (ledger, lock, confirmation, results CSV, Ctrl-C, exit codes) is the same for
every kind; a kind says what its CSV holds, how rows become writes, how a write is previewed and
sent, and what its results show.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..errors import AmbiguousWrite, UnifiedOrdersError
from .bulk_files import Ledger, ResultsLayout
from .bulk_plan import Orders, in_csv_terms
from .bulk_read import CsvSchema
from .bulk_rows import Batch, Nouns, Row
from .errors import CliError, ExitCode, describe
from .session import Session

if TYPE_CHECKING:
    from .engine_opts import EngineTarget

__all__ = ["BulkKind"]

R = TypeVar("R", bound=Row)
G = TypeVar("G", bound=Batch)
T = TypeVar("T")


class BulkKind(ABC, Generic[R, G]):
    """One kind of bulk write: its words, its CSV, its results, and how it is sent."""

    nouns: Nouns
    schema: CsvSchema[R]
    layout: ResultsLayout
    #: the results table's columns between ``outcome`` and ``message``
    report_columns: tuple[str, ...]

    @abstractmethod
    def group(self, rows: Sequence[R], ids: Mapping[tuple[str, str], str]) -> list[G]:
        """The writes the rows make (``ids``: each ``(store, order cell)``'s order id), each
        without a problem given its content key."""

    @abstractmethod
    def preview(self, session: Session, groups: list[G], ledger: Ledger, orders: Orders) -> list[G]:
        """Check the writes still to be made against the platform (nothing is sent), note in
        the ledger those the platform already holds under their key; returns those to send."""

    @abstractmethod
    def sending(self, to_send: Sequence[G]) -> str:
        """What will be sent, in a few words: ``2 refund(s) totalling 57.50 USD``."""

    @abstractmethod
    def show(self, session: Session, to_send: Sequence[G]) -> None:
        """The writes to make, shown after the plan and before asking."""

    @abstractmethod
    def send(
        self, session: Session, group: G, ledger: Ledger, notify: bool, *, fresh: bool
    ) -> None:
        """Send one write, recording it in the ledger before and after (``fresh``: its order
        was written to earlier in this run)."""

    @abstractmethod
    def record(self, group: G) -> dict[str, Any]:
        """The kind's fields of one write in the results table and JSON."""

    def attempt(
        self, session: Session, group: G, ledger: Ledger, write: Callable[[], T]
    ) -> T | None:
        """Make one write: ``sending`` in the ledger first, then ``write()``; what it made, or
        None with the group's outcome and ledger line saying why not."""
        ledger.record(
            group.key, "sending", identity=group.identity, store=group.store, order=group.order
        )
        try:
            return write()
        except AmbiguousWrite as error:
            group.outcome, group.message = "ambiguous", describe(error, session.secrets)
            ledger.record(group.key, "ambiguous", error=group.message)
        except UnifiedOrdersError as error:
            if not self.settled(session, group, ledger, error):
                # refused before or by the platform: nothing was written, a re-run may try again
                group.outcome, group.message = "failed", in_csv_terms(error, session.secrets)
                ledger.record(group.key, "failed", error=group.message)
        except Exception as error:  # unknown whether it was sent: never resend blindly
            group.outcome, group.message = "ambiguous", describe(error, session.secrets)
            ledger.record(group.key, "ambiguous", error=group.message)
        return None

    def settled(
        self, session: Session, group: G, ledger: Ledger, error: UnifiedOrdersError
    ) -> bool:
        """Settle an error the kind knows better than "failed" (True: done so)."""
        return False

    def made(self, groups: Sequence[G]) -> str:
        """What the writes made came to, for the summary (``" (57.50 USD)"``; '' for none)."""
        return ""

    def send_on_engine(
        self,
        session: Session,
        ledger: Ledger,
        to_send: list[G],
        notify: bool,
        target: EngineTarget,
    ) -> None:
        """Send on the Temporal engine instead of in this process, where the kind can."""
        raise CliError(f"bulk {self.nouns.one}s do not run on an engine", ExitCode.USAGE)
