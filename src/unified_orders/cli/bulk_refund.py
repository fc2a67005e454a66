"""Bulk refunds as a kind of bulk run (:mod:`.bulk`): rows into refunds (:mod:`.bulk_rows`),
each calculated before asking (:mod:`.bulk_plan`), then created under its content key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import RefundFailed, UnifiedOrdersError
from ..models import RefundStatus
from .bulk_files import PENDING_EVENT, REFUND_RESULTS, Ledger, base_key
from .bulk_kind import BulkKind
from .bulk_plan import Orders, preview, record_done, show_refunds, totals
from .bulk_read import REFUND_CSV
from .bulk_rows import REFUNDS, Group, RefundRow, group_rows
from .errors import describe
from .session import Session

if TYPE_CHECKING:
    from .engine_opts import EngineTarget

__all__ = ["REFUNDING", "RefundKind"]


class RefundKind(BulkKind[RefundRow, Group]):
    """``refunds create --from-csv``."""

    nouns = REFUNDS
    schema = REFUND_CSV
    layout = REFUND_RESULTS
    report_columns = ("refund_id",)

    def group(self, rows: Sequence[RefundRow], ids: Mapping[tuple[str, str], str]) -> list[Group]:
        return group_rows(rows, ids)

    def preview(
        self, session: Session, groups: list[Group], ledger: Ledger, orders: Orders
    ) -> list[Group]:
        return preview(session, groups, ledger, orders)

    def sending(self, to_send: Sequence[Group]) -> str:
        return f"{len(to_send)} refund(s) totalling {totals(to_send)}"

    def show(self, session: Session, to_send: Sequence[Group]) -> None:
        show_refunds(session, to_send)

    def send(
        self, session: Session, group: Group, ledger: Ledger, notify: bool, *, fresh: bool
    ) -> None:
        """Send one refund: its previewed calculation, or (``fresh``: its order was refunded
        earlier in this run, so the preview is stale) its request, calculated again now."""
        refund = self.attempt(
            session,
            group,
            ledger,
            lambda: session.store(group.store).refunds.create(
                group.order,
                group.request if fresh else group.calculation or group.request,
                note=group.note,
                notify=notify,
                idempotency_key=group.key,
            ),
        )
        if refund is None:
            return
        session.checkpoint(group.store)
        group.outcome, group.refund_id, group.total = "refunded", refund.id, refund.total
        group.message = ""
        record_done(ledger, group, refund)

    def settled(
        self, session: Session, group: Group, ledger: Ledger, error: UnifiedOrdersError
    ) -> bool:
        if not isinstance(error, RefundFailed):
            return False
        session.checkpoint(group.store)
        group.message = describe(error, session.secrets)
        group.refund_id = error.refund.id
        if error.refund.status is RefundStatus.PENDING:
            # money may yet move: a re-run sends it again under the same key, never a new one
            group.outcome = "pending"
            ledger.record(group.key, PENDING_EVENT, refund_id=error.refund.id, error=group.message)
            return True
        # the platform recorded the refund, as failed: no money moved; a re-run tries again
        group.outcome = "failed"
        ledger.record(
            group.key,
            "refund-failed",
            base_key=base_key(group.key),
            refund_id=error.refund.id,
            error=group.message,
        )
        return True

    def record(self, group: Group) -> dict[str, Any]:
        return {"refund_id": group.refund_id or None, "total": group.total}

    def made(self, groups: Sequence[Group]) -> str:
        return f" ({totals(groups)})"

    def send_on_engine(
        self,
        session: Session,
        ledger: Ledger,
        to_send: list[Group],
        notify: bool,
        target: EngineTarget,
    ) -> None:
        from .bulk_engine import send_on_engine

        send_on_engine(session, ledger, to_send, notify, target)


#: The one refund kind.
REFUNDING = RefundKind()
