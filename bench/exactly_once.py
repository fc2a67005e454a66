"""Exactly-once under faults: outcome counts per platform, for the README.

    python bench/exactly_once.py                          # refunds, 500 fault sequences each
    python bench/exactly_once.py --runs 100
    python bench/exactly_once.py --write shipment --runs 300
    python bench/exactly_once.py --write return --runs 300 --offset 8  # faults reach the write

The same scenario as ``tests/core/test_exactly_once.py`` (which asserts the rules on >= 200
sequences each), for one kind of write: the write through a transport injecting a random sequence
of faults, then the same key again from a new store (as a new process would). The writes:
``refunds.create`` of one unit (``refund``); ``fulfillments.create`` of one unit of an open
fulfillment-order line with more units left (``shipment``); ``returns.process`` of a one-unit
return of a fulfilled, paid line, opened without faults first (``return``). Each run starts from
a fresh sandbox. Counted: what the caller was told, what the retry did, and what the platform
ended with. Any double, lost or foreign write breaks the promise and is counted in capitals.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

import unified_orders as uo
from unified_orders.adapter import Capability
from unified_orders.testing import Fault, FaultInjectingTransport, instrumented_sandbox, unwrapped

DIALECTS: dict[str, list[dict[str, Any]]] = {"shopify": [{"api": "graphql"}, {"api": "rest"}]}
KEY = "bench-key"
#: A number only: Shopware keeps no carrier or link on a shipment.
TRACKING = uo.Tracking(number="1ZBENCH0001")


def _paid_lines(platform: str, dialect: dict[str, Any], shipped: bool) -> tuple[str, str]:
    """An order with captured payments and a refundable line (fulfilled, if ``shipped``)."""
    for order in uo.connect(platform, sandbox=True, **dialect).orders.list():
        if order.captured_payments:
            for line in order.lines:
                if line.refundable_quantity and (line.fulfilled_quantity or not shipped):
                    return order.id, line.id
    raise SystemExit(f"{platform}: no refundable{' shipped' if shipped else ''} sandbox order")


def _new_refunds(store: uo.Store, order_id: str, before: set[str]) -> list[str]:
    refunds = store.orders.get(order_id).refunds
    live = [r for r in refunds if r.id not in before and r.status is not uo.RefundStatus.FAILURE]
    return [r.id for r in live]


def _keyed_refunds(store: uo.Store, order_id: str) -> list[str]:
    return [r.id for r in store.orders.get(order_id).refunds if r.idempotency_key == KEY]


class Write:
    """One kind of write: its target in a fresh sandbox, the write itself, what it made.

    ``prepare`` runs on the fresh sandbox without faults and returns the run's target;
    ``write`` makes the write with ``KEY`` and returns the id of what it reports done; ``made``
    lists the live writes this request made; ``keyed`` the ones that must be exactly one after
    the same-key retry."""

    capability: Capability
    done = "done"

    def __init__(self, platform: str, dialect: dict[str, Any]) -> None:
        self.platform, self.dialect = platform, dialect

    def prepare(self, store: uo.Store) -> Any:
        raise NotImplementedError

    def write(self, store: uo.Store, target: Any) -> str:
        raise NotImplementedError

    def made(self, store: uo.Store, target: Any) -> list[str]:
        raise NotImplementedError

    def keyed(self, store: uo.Store, target: Any) -> list[str]:
        return self.made(store, target)

    def units(self, store: uo.Store, target: Any) -> int:
        """Units the request moved, where ids alone cannot tell two writes apart (else 0)."""
        return 0

    def count(self, store: uo.Store, target: Any) -> tuple[list[str], int]:
        """The live writes this request made, and how many writes that is at least."""
        made = self.made(store, target)
        return made, max(len(made), self.units(store, target))


class RefundWrite(Write):
    capability = Capability.REFUNDS_CREATE
    done = "refunded"

    def __init__(self, platform: str, dialect: dict[str, Any]) -> None:
        super().__init__(platform, dialect)
        self.order_id, line_id = _paid_lines(platform, dialect, shipped=False)
        line = uo.RefundLineRequest(line_id=line_id, quantity=1)
        self.request = uo.RefundRequest(lines=[line])

    def prepare(self, store: uo.Store) -> set[str]:
        return {r.id for r in store.orders.get(self.order_id).refunds}

    def write(self, store: uo.Store, target: set[str]) -> str:
        return store.refunds.create(self.order_id, self.request, idempotency_key=KEY).id

    def made(self, store: uo.Store, target: set[str]) -> list[str]:
        return _new_refunds(store, self.order_id, target)

    def keyed(self, store: uo.Store, target: set[str]) -> list[str]:
        return _keyed_refunds(store, self.order_id)


@dataclass(frozen=True)
class Shipping:
    """A shipment run's target: the fulfillment-order line, and what the order had before."""

    fo_id: str
    fo_line_id: str
    line_id: str
    fulfilled: int
    before: frozenset[str]


class ShipmentWrite(Write):
    """One unit of a line with at least two left, so that a second shipment could be made.

    Counted by shipments and by units: Shopware keeps a delivery's shipments on the delivery, so
    a second shipment there is the same id with more units (the order line's fulfilled units)."""

    capability = Capability.FULFILLMENTS_CREATE
    done = "shipped"

    def __init__(self, platform: str, dialect: dict[str, Any]) -> None:
        super().__init__(platform, dialect)
        store = uo.connect(platform, sandbox=True, **dialect)
        self.order_id = next((o.id for o in store.orders.list() if self._open(store, o.id)), "")
        if not self.order_id:
            raise SystemExit(f"{platform}: no open fulfillment order with 2 units left on a line")

    @staticmethod
    def _open(store: uo.Store, order_id: str) -> tuple[str, str, str] | None:
        for fo in store.fulfillments.list(order_id):
            if fo.status is uo.FulfillmentOrderStatus.OPEN and not fo.holds:
                for line in fo.lines:
                    if line.fulfillable_quantity >= 2:
                        return fo.id, line.id, line.line_id
        return None

    def _fulfilled(self, order: uo.Order, line_id: str) -> int:
        return sum(line.fulfilled_quantity for line in order.lines if line.id == line_id)

    def prepare(self, store: uo.Store) -> Shipping:
        found = self._open(store, self.order_id)
        assert found is not None, f"{self.platform}: order {self.order_id} has nothing to ship"
        order = store.orders.get(self.order_id)
        before = frozenset(f.id for f in order.fulfillments)
        return Shipping(*found, self._fulfilled(order, found[2]), before)

    def write(self, store: uo.Store, target: Shipping) -> str:
        made = store.fulfillments.create(
            target.fo_id, lines={target.fo_line_id: 1}, tracking=TRACKING, idempotency_key=KEY
        )
        return made.id

    def made(self, store: uo.Store, target: Shipping) -> list[str]:
        gone = (uo.FulfillmentShipmentStatus.CANCELED, uo.FulfillmentShipmentStatus.FAILURE)
        shipments = store.orders.get(self.order_id).fulfillments
        return [f.id for f in shipments if f.id not in target.before and f.status not in gone]

    def units(self, store: uo.Store, target: Shipping) -> int:
        order = store.orders.get(self.order_id)
        return self._fulfilled(order, target.line_id) - target.fulfilled


class ReturnWrite(Write):
    """Processing (and refunding) a one-unit return opened on the fresh sandbox."""

    capability = Capability.RETURNS_PROCESS
    done = "processed"

    def __init__(self, platform: str, dialect: dict[str, Any]) -> None:
        super().__init__(platform, dialect)
        self.order_id, line_id = _paid_lines(platform, dialect, shipped=True)
        line = uo.ReturnLineRequest(line_id=line_id, quantity=1)
        self.request = uo.ReturnRequest(lines=[line])

    def prepare(self, store: uo.Store) -> tuple[str, set[str]]:
        opened = store.returns.create(self.order_id, self.request)
        return opened.id, {r.id for r in store.orders.get(self.order_id).refunds}

    def write(self, store: uo.Store, target: tuple[str, set[str]]) -> str:
        _, refund = store.returns.process(target[0], idempotency_key=KEY)
        assert refund is not None, "processing with refund=True returned no refund"
        return refund.id

    def made(self, store: uo.Store, target: tuple[str, set[str]]) -> list[str]:
        return _new_refunds(store, self.order_id, target[1])

    def keyed(self, store: uo.Store, target: tuple[str, set[str]]) -> list[str]:
        return _keyed_refunds(store, self.order_id)


WRITES: dict[str, type[Write]] = {
    "refund": RefundWrite,
    "shipment": ShipmentWrite,
    "return": ReturnWrite,
}


def _retry(write: Write, store: uo.Store, target: Any) -> tuple[str | None, str]:
    """The same key again from a new store: the id it returned, or None and what it raised."""
    try:
        return write.write(store, target), ""
    except uo.RefundFailed as failed:  # the platform declined it: the same record again
        return str(failed.refund.id), ""
    except uo.UnifiedOrdersError as error:
        return None, type(error).__name__


def run(write: Write, runs: int, seed: int, offset: int = 0) -> Counter[str]:
    """``offset``: each sequence starts after 0..offset requests that pass untouched, so that
    faults reach the write itself and the re-reads after it, not only the reads before it."""
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    for _ in range(runs):
        faults = [rng.choice([None, *Fault]) for _ in range(rng.randint(0, 12))]
        plan = iter([None] * (rng.randint(0, offset) if offset else 0) + faults)
        kept: list[FaultInjectingTransport] = []

        def wrap(
            transport: Any, plan: Any = plan, kept: list[FaultInjectingTransport] = kept
        ) -> FaultInjectingTransport:
            kept.append(FaultInjectingTransport(transport, lambda m, p: next(plan, None)))
            return kept[-1]

        store = instrumented_sandbox(
            write.platform, wrap, max_attempts=4, retry_backoff=0, **write.dialect
        )
        assert isinstance(store, uo.Store)
        target = write.prepare(unwrapped(store))
        ambiguous: uo.AmbiguousWrite | None = None
        try:
            outcome: str | None = write.write(store, target)
            told = write.done
        except uo.AmbiguousWrite as error:  # ResponseLost too: the caller sees AmbiguousWrite
            outcome, ambiguous = None, error
            told = "AmbiguousWrite" + (
                "" if type(error) is uo.AmbiguousWrite else " (ResponseLost)"
            )
        except uo.UnifiedOrdersError as error:
            outcome, told = None, type(error).__name__
        kept[0].settle()  # a write applied late lands now
        new, writes = write.count(unwrapped(store), target)
        counts[f"told {told}"] += 1
        if writes > 1:
            counts["DOUBLE"] += 1
        if outcome is not None and new != [outcome]:
            counts["TOLD DONE FOR ANOTHER'S WRITE"] += 1
        if ambiguous is not None:
            counts["ambiguous, written" if writes else "ambiguous, nothing written"] += 1
            if not set(ambiguous.candidates) <= set(new):
                counts["AMBIGUOUS NAMING A WRITE THIS RUN DID NOT MAKE"] += 1
        elif outcome is None and writes:
            counts["TYPED ERROR BUT WRITTEN"] += 1
        retried, raised = _retry(write, unwrapped(store), target)
        if retried is None:
            counts[f"retry told {raised}"] += 1
        else:
            counts["retry found the first" if retried in new else "retry created"] += 1
        _, writes = write.count(unwrapped(store), target)
        if writes > 1:
            counts["DOUBLE AFTER SAME-KEY RETRY"] += 1
        elif not writes:
            counts["LOST AFTER SAME-KEY RETRY"] += 1
        if retried is not None and write.keyed(unwrapped(store), target) != [retried]:
            counts["RETRY RETURNED ANOTHER'S WRITE"] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--write", choices=sorted(WRITES), default="refund")
    parser.add_argument(
        "--offset", type=int, default=0, help="start each sequence after 0..N clean requests"
    )
    args = parser.parse_args()
    kind = WRITES[args.write]
    for name, info in sorted(uo.adapters().items()):
        if info.error is not None or kind.capability not in info.capabilities:
            continue
        for dialect in DIALECTS.get(name, [{}]):
            if (
                kind.capability
                not in uo.connect(name, sandbox=True, **dialect).adapter.capabilities
            ):
                continue  # e.g. returns: Shopify GraphQL only
            label = "/".join([name, *dialect.values()])
            counts = run(kind(name, dialect), args.runs, args.seed, args.offset)
            print(
                f"{label}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), flush=True
            )


if __name__ == "__main__":
    main()
