"""Bulk shipments as a kind of bulk run (:mod:`.bulk`): ``fulfillments ship --from-csv``.

Every order is read once (ids and order numbers both work). Before asking, each shipment is
checked against its order: a shipment the platform already holds under its key (an earlier run
that died before its ledger line) is ``already-shipped``; otherwise its fulfillment order is found
(the one named, or the order's only fulfillment order with units left), each line is matched to
a fulfillment-order line (by its id, or by the order line it ships) and no line may ship more
units than are left. Problems are reported per row and column; nothing is sent for them. The
shipment is then created under its content key, with its lines as given: never widened to the
whole order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..adapter import Capability
from ..errors import UnifiedOrdersError, UnsupportedOperation
from ..models import FulfillmentOrder, Order
from .bulk_files import Ledger, ResultsLayout
from .bulk_kind import BulkKind
from .bulk_plan import Orders, in_csv_terms, progress
from .bulk_rows import Problem
from .bulk_ship_rows import SHIP_CSV, SHIPMENTS, ShipGroup, ShipRow, group_shipments
from .layout import Column, FitTable, Kind
from .session import Session
from .ship import describe_lines, describe_tracking

__all__ = ["SHIPPING", "ShipKind"]


def _cells(group: ShipGroup, first: bool) -> dict[str, str]:
    return {"fulfillment_id": group.made_id}


_LAYOUT = ResultsLayout(
    SHIP_CSV.columns + SHIP_CSV.optional,
    ("fulfillment_id",),
    frozenset({SHIPMENTS.done, SHIPMENTS.already}),
    _cells,
)


class _Refused(Exception):
    """A shipment that cannot be made as asked: the problems, by row and column."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


class ShipKind(BulkKind[ShipRow, ShipGroup]):
    """``fulfillments ship --from-csv``."""

    nouns = SHIPMENTS
    schema = SHIP_CSV
    layout = _LAYOUT
    report_columns = ("fulfillment_id",)

    def group(self, rows: Sequence[ShipRow], ids: Mapping[tuple[str, str], str]) -> list[ShipGroup]:
        return group_shipments(rows, ids)

    def preview(
        self, session: Session, groups: list[ShipGroup], ledger: Ledger, orders: Orders
    ) -> list[ShipGroup]:
        pending = [g for g in groups if not g.outcome]
        with progress(session, "checking", len(pending)) as advance:
            for group in pending:
                advance()
                try:
                    self._check(session, group, ledger, orders)
                except _Refused as refused:
                    group.problems += refused.problems
                except UnifiedOrdersError as error:
                    message = in_csv_terms(error, session.secrets)
                    group.problems.append(Problem(tuple(group.numbers), None, message))
                if group.problems:
                    group.outcome, group.message = "invalid", group.error or ""
        return [g for g in pending if not g.outcome]

    def _check(self, session: Session, group: ShipGroup, ledger: Ledger, orders: Orders) -> None:
        store = session.store(group.store)
        if Capability.FULFILLMENTS_CREATE not in store.capabilities:
            raise UnsupportedOperation(store.platform, Capability.FULFILLMENTS_CREATE.value)
        order = orders.get((group.store, group.order))
        if order is not None and _found_by_key(group, order, ledger):
            return
        if Capability.FULFILLMENTS_LIST not in store.capabilities:
            if not group.fulfillment_order:
                raise _Refused([_on(group, "fulfillment_order", "empty; name it on this store")])
            group.fo_id = group.fulfillment_order
            group.fo_lines = dict(group.lines) or None
            return
        fo = _fulfillment_order(group, store.fulfillments.list(group.order))
        group.fo_id = fo.id
        group.fo_lines = _lines(group, fo)

    def sending(self, to_send: Sequence[ShipGroup]) -> str:
        return f"{len(to_send)} shipment(s)"

    def show(self, session: Session, to_send: Sequence[ShipGroup]) -> None:
        out = session.output
        if not (out.tables and to_send):
            return
        out.console.print(
            FitTable(
                "Shipments to create",
                [
                    Column("rows", Kind.LIST, 3),
                    Column("store", Kind.WORD, 2),
                    Column("order / fulfillment order", Kind.KEY),
                    Column("lines", Kind.TEXT),
                    Column("tracking", Kind.TEXT),
                ],
                [
                    [
                        ", ".join(map(str, g.numbers)),
                        g.store,
                        f"{g.order}\n{g.fo_id}",
                        describe_lines(g.fo_lines).replace(", ", "\n"),
                        describe_tracking(g.tracking).replace(", ", "\n") or "(none)",
                    ]
                    for g in to_send
                ],
            )
        )

    def send(
        self, session: Session, group: ShipGroup, ledger: Ledger, notify: bool, *, fresh: bool
    ) -> None:
        shipment = self.attempt(
            session,
            group,
            ledger,
            lambda: session.store(group.store).fulfillments.create(
                group.fo_id,
                lines=group.fo_lines,
                tracking=group.tracking,
                notify=notify if group.notify is None else group.notify,
                idempotency_key=group.key,
            ),
        )
        if shipment is None:
            return
        session.checkpoint(group.store)
        group.outcome, group.made_id, group.message = SHIPMENTS.done, shipment.id, ""
        ledger.record(group.key, "done", identity=group.identity, shipment_id=shipment.id)

    def record(self, group: ShipGroup) -> dict[str, Any]:
        return {
            "fulfillment_order": group.fo_id or group.fulfillment_order or None,
            "fulfillment_id": group.made_id or None,
        }


def _on(group: ShipGroup, column: str, message: str) -> Problem:
    return Problem(tuple(group.numbers), column, message)


def _found_by_key(group: ShipGroup, order: Order, ledger: Ledger) -> bool:
    """Whether the order already has the shipment this group's key names (then noted in the
    ledger as done, and not sent again)."""
    keys = {group.key, *group.earlier_keys}
    found = [f for f in order.fulfillments if f.idempotency_key in keys]
    if not found:
        return False
    group.outcome, group.made_id = SHIPMENTS.already, found[0].id
    group.message = "found on the platform by its key (made by an earlier or concurrent run)"
    ledger.record(
        group.key, "done", identity=group.identity, shipment_id=found[0].id, found_by_key=True
    )
    return True


def _left(fo: FulfillmentOrder) -> int:
    return sum(line.fulfillable_quantity for line in fo.lines)


def _fulfillment_order(group: ShipGroup, fos: Sequence[FulfillmentOrder]) -> FulfillmentOrder:
    """The fulfillment order the shipment names, or the order's one with units left."""
    cell = group.fulfillment_order
    if cell:
        for fo in fos:
            if cell == fo.id or cell.endswith(f"/{fo.id}"):
                return fo
        ids = ", ".join(fo.id for fo in fos) or "none"
        raise _Refused(
            [_on(group, "fulfillment_order", f"not one of order {group.order}'s ({ids})")]
        )
    open_fos = [fo for fo in fos if _left(fo) > 0]
    if len(open_fos) == 1:
        return open_fos[0]
    if not open_fos:
        raise _Refused([_on(group, "order", f"order {group.order} has no units left to ship")])
    ids = ", ".join(fo.id for fo in open_fos)
    raise _Refused(
        [
            _on(
                group,
                "fulfillment_order",
                f"empty, but order {group.order} has {len(open_fos)} fulfillment orders with "
                f"units left ({ids}): name one",
            )
        ]
    )


def _lines(group: ShipGroup, fo: FulfillmentOrder) -> dict[str, int] | None:
    """The shipment's lines by fulfillment-order line id (None: every unit left), each checked
    against the units left."""
    if not group.lines:
        if _left(fo) < 1:
            raise _Refused([_on(group, "fulfillment_order", f"{fo.id} has no units left to ship")])
        return None
    problems: list[Problem] = []
    found: dict[str, int] = {}
    for cell, units in group.lines.items():
        row = (group.line_rows[cell],)
        matches = [x for x in fo.lines if x.id == cell] or [
            x for x in fo.lines if x.line_id == cell
        ]
        if len(matches) != 1:
            known = ", ".join(f"{x.id} (line {x.line_id})" for x in fo.lines) or "none"
            why = "matches several" if matches else "is not"
            problems.append(
                Problem(row, "line", f"{why} a line of fulfillment order {fo.id}: {known}")
            )
        elif units > matches[0].fulfillable_quantity:
            left = matches[0].fulfillable_quantity
            problems.append(Problem(row, "quantity", f"{units} asked, {left} left to ship"))
        elif matches[0].id in found:
            problems.append(Problem(row, "line", f"{matches[0].id} is given twice"))
        else:
            found[matches[0].id] = units
    if problems:
        raise _Refused(problems)
    return found


#: The one shipping kind.
SHIPPING = ShipKind()
