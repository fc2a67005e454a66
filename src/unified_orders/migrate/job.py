"""The migration run: every selected source order onto the target, once, resumable.

For each source order: an id map row that says it was migrated and its checksum is unchanged
skips it (a changed one is reported, not migrated again); otherwise the target's limits and the
create's own checks refuse it with every problem at once, or the target is searched for the
order's marker (an earlier run may have created it and died before writing the map: the order
found is adopted, never created twice), and only then created, carrying the marker. Refunds and
shipments follow as the target's own objects (:mod:`.carry`), the order is read back and compared
with the source (:mod:`.verify`), and the map row is written. A dry run reads (the source, the
id map, the target's marker search) and writes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import AmbiguousWrite, InvalidRequest, Problem, UnifiedOrdersError
from ..lookup import OrderQuery
from ..models import Order
from ..options import SourceMarker
from ..store import Store
from .carry import carry_fulfillments, carry_refunds
from .idmap import IdMap, MapRow, Outcome
from .marker import checksum, marker_for
from .plan import ProductMap, plan_order, preflight
from .verify import differences

__all__ = ["Endpoint", "Migration", "MigrationOptions", "MigrationSummary", "OrderResult"]

#: Outcomes only a result has (the map records the others, see :class:`~.idmap.Outcome`).
SKIPPED = "skipped"
CHANGED = "changed"
WOULD_CREATE = "would_create"
WOULD_ADOPT = "would_adopt"
#: Outcomes that leave work undone (the CLI exits 9).
INCOMPLETE = frozenset({Outcome.REFUSED, Outcome.FAILED, Outcome.PENDING})
#: A window starting this long after the moment a source's hidden orders end holds none of them.
HIDDEN_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class Endpoint:
    """A store of the migration, with the name the id map knows it by."""

    name: str
    store: Store

    @property
    def platform(self) -> str:
        """The store's platform name."""
        return self.store.adapter.platform


@dataclass(frozen=True)
class MigrationOptions:
    """Which source orders (placed ``since``/``until``, or the ``orders`` named) and how."""

    since: datetime | None = None
    until: datetime | None = None
    orders: Sequence[str] | None = None
    dry_run: bool = False
    #: at most this many orders needing work (skipped and changed ones do not count)
    limit: int | None = None
    products: ProductMap = field(default_factory=ProductMap)


@dataclass(frozen=True)
class OrderResult:
    """What became of one source order."""

    source_id: str
    outcome: str
    source_number: str | None = None
    target_id: str | None = None
    not_carried: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    differences: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return {
            "source_id": self.source_id,
            "source_number": self.source_number,
            "outcome": self.outcome,
            "target_id": self.target_id,
            "not_carried": list(self.not_carried),
            "problems": list(self.problems),
            "differences": list(self.differences),
        }


@dataclass
class MigrationSummary:
    """The whole run: one result per source order, in the order they were read."""

    source: str
    target: str
    dry_run: bool
    results: list[OrderResult] = field(default_factory=list)
    #: What the source hides from these credentials within the selection (``what (why)``):
    #: orders the run could not see, so it is not complete.
    not_read: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Orders per outcome."""
        return dict(Counter(result.outcome for result in self.results))

    @property
    def complete(self) -> bool:
        """Whether no order was refused, failed or left pending, and none was hidden."""
        return not self.not_read and not any(
            result.outcome in INCOMPLETE for result in self.results
        )

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return {
            "source": self.source,
            "target": self.target,
            "dry_run": self.dry_run,
            "counts": self.counts,
            "not_read": list(self.not_read),
            "orders": [result.as_dict() for result in self.results],
        }


def _no_write() -> None:
    """After a write: nothing to save."""


class Migration:
    """One run from ``source`` to ``target``; ``after_write`` runs after every write to the
    target (the CLI saves a sandbox store's state there, so a killed run loses nothing)."""

    def __init__(
        self,
        source: Endpoint,
        target: Endpoint,
        idmap: IdMap | None,
        options: MigrationOptions,
        *,
        after_write: Callable[[], None] = _no_write,
    ) -> None:
        if source.name == target.name:
            raise InvalidRequest([Problem("target", "the target is the source store")])
        if not options.dry_run and idmap is None:
            raise InvalidRequest([Problem("db", "a migration that writes needs its id map")])
        self.source = source
        self.target = target
        self.idmap = idmap
        self.options = options
        self.after_write = after_write

    def orders(self) -> Iterator[Order | OrderResult]:
        """The selected source orders: those named, else those placed in the window; an order
        that cannot be read is a failed result naming it (the others still migrate)."""
        if self.options.orders is not None:
            for ref in self.options.orders:
                try:
                    yield self.source.store.orders.get(ref)
                except UnifiedOrdersError as error:
                    yield OrderResult(ref, Outcome.FAILED, problems=(f"source: {error}",))
            return
        query = OrderQuery(created_since=self.options.since, created_until=self.options.until)
        for page in self.source.store.orders.pages(query):
            yield from page.items
            for failure in page.failures:
                problem = f"source: the order could not be read: {failure.error}"
                yield OrderResult(failure.id, Outcome.FAILED, problems=(problem,))

    def hidden(self) -> list[str]:
        """What the source hides from these credentials within a selection by date
        (``Adapter.read_limits``): its hidden orders, unless the window starts after the moment
        they end (with a day of margin). A named order it hides fails on its own, naming it."""
        if self.options.orders is not None:
            return []
        store = self.source.store
        limits = store.run(store.adapter.read_limits())
        if not limits.orders:
            return []
        since, before = self.options.since, limits.hidden_before
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        if since is not None and before is not None and since >= before + HIDDEN_MARGIN:
            return []
        return limits.said(limits.orders)

    def run(self, progress: Callable[[OrderResult], None] | None = None) -> MigrationSummary:
        """Migrate every selected order; ``progress`` hears each result as it is known. What
        the source hides from the selection is in ``not_read`` (the run is then incomplete)."""
        summary = MigrationSummary(self.source.name, self.target.name, self.options.dry_run)
        summary.not_read = self.hidden()
        worked = 0
        for order in self.orders():
            if self.options.limit is not None and worked >= self.options.limit:
                break
            result = order if isinstance(order, OrderResult) else self.one(order)
            if result.outcome not in (SKIPPED, CHANGED):
                worked += 1
            summary.results.append(result)
            if progress is not None:
                progress(result)
        return summary

    def one(self, order: Order) -> OrderResult:
        """Migrate one source order (see the module docstring)."""
        digest = checksum(order)
        marker = marker_for(self.source.platform, self.source.name, order)
        row = self.idmap.get(order.id) if self.idmap is not None else None
        if row is not None and row.outcome in Outcome.DONE:
            return OrderResult(
                order.id,
                SKIPPED if row.checksum == digest else CHANGED,
                order.number,
                row.target_id,
                row.not_carried,
                (),
                row.differences,
            )
        plan = plan_order(order, self.target.platform, self.options.products)
        problems = [str(p) for p in plan.problems]
        if plan.order is not None:
            problems += [str(p) for p in preflight(self.target.store.adapter, plan.order, marker)]
        base = MapRow(
            self.source.name,
            order.id,
            self.target.name,
            digest,
            Outcome.REFUSED,
            order.number,
            marker=marker.value,
            not_carried=plan.not_carried,
        )
        if problems or plan.order is None:
            return self._record(base, problems=tuple(problems))
        found = self.target.store.orders.find_by_marker(marker)
        if len(found) > 1:
            ids = ", ".join(o.id for o in found)
            why = f"orders {ids} on the target all carry this order's marker; resolve by hand"
            return self._record(base, outcome=Outcome.FAILED, problems=(why,))
        if self.options.dry_run:
            outcome = WOULD_ADOPT if found else WOULD_CREATE
            target_id = found[0].id if found else None
            return self._result(base, outcome=outcome, target_id=target_id)
        if found:
            return self._finish(order, found[0], base, Outcome.ADOPTED, marker)
        self._put(_with(base, outcome=Outcome.PENDING))
        try:
            created = self.target.store.orders.create(plan.order, source_marker=marker)
        except AmbiguousWrite as error:
            return self._record(base, outcome=Outcome.PENDING, problems=(str(error),))
        except UnifiedOrdersError as error:
            return self._record(base, outcome=Outcome.FAILED, problems=(str(error),))
        finally:
            self.after_write()
        return self._finish(order, created, base, Outcome.CREATED, marker)

    def _finish(
        self, source: Order, created: Order, base: MapRow, outcome: str, marker: SourceMarker
    ) -> OrderResult:
        """Refunds and shipments carried, the order read back and compared, the row written."""
        lost = list(base.not_carried)
        try:
            created, shipped = carry_fulfillments(self.target.store, source, created, marker)
            self.after_write()
            created, refunds = carry_refunds(self.target.store, source, created, marker)
            self.after_write()
        except AmbiguousWrite as error:
            self.after_write()
            row = _with(base, outcome=Outcome.PENDING, target_id=created.id)
            return self._record(row, outcome=Outcome.PENDING, problems=(str(error),))
        lost += shipped + refunds
        row = _with(
            base,
            outcome=outcome,
            target_id=created.id,
            not_carried=tuple(lost),
            differences=tuple(differences(source, created)),
        )
        return self._record(row, outcome=outcome)

    def _put(self, row: MapRow) -> None:
        if self.idmap is not None and not self.options.dry_run:
            self.idmap.put(row)

    def _record(
        self, base: MapRow, *, outcome: str | None = None, problems: tuple[str, ...] = ()
    ) -> OrderResult:
        row = _with(base, outcome=outcome or base.outcome, problems=problems)
        self._put(row)
        return self._result(row)

    @staticmethod
    def _result(
        row: MapRow, *, outcome: str | None = None, target_id: str | None = None
    ) -> OrderResult:
        return OrderResult(
            row.source_id,
            outcome or row.outcome,
            row.source_number,
            target_id or row.target_id,
            row.not_carried,
            row.problems,
            row.differences,
        )


def _with(row: MapRow, **changes: Any) -> MapRow:
    return replace(row, **changes)
