"""What a target can carry of a source order: the order to create, what is refused, what is lost.

:func:`plan_order` re-points each line at the target's catalogue (``--map-products`` FILE, else
by SKU as a custom line where the target takes one), applies the target platform's limits
(:data:`TARGET_LIMITS`), and lists every problem at once. :func:`preflight` then runs the
library's own ``orders.create`` checks and the adapter's (GraphQL's line discounts, Shopware's
e-mail and address, Next Commerce's catalogue ids) up to the first request and stops there, so a
dry run validates against the target without sending anything.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..adapter import Adapter, Request
from ..errors import InvalidRequest, Problem, UnifiedOrdersError
from ..models import LineItem, Order, OrderStatus
from ..models.currencies import UnknownMinorUnit, minor_unit
from ..operations.orders import create_order
from ..options import OrderCreateOptions, SourceMarker

__all__ = [
    "TARGET_LIMITS",
    "Plan",
    "ProductMap",
    "TargetLimits",
    "load_product_map",
    "plan_order",
    "preflight",
]


@dataclass(frozen=True)
class ProductMap:
    """Source product -> target variant id. Keys are a source SKU, variant id or product id;
    empty: map by SKU (a line keeps its SKU and title, linked to no target product)."""

    targets: Mapping[str, str] = field(default_factory=dict)

    def target_for(self, line: LineItem) -> str | None:
        """The target variant id a line maps to (its variant id, product id, then SKU)."""
        for key in (line.variant_id, line.product_id, line.sku):
            if key and key in self.targets:
                return self.targets[key]
        return None


def load_product_map(path: Path) -> ProductMap:
    """A CSV with the columns ``source`` (a source SKU, variant id or product id) and ``target``
    (the target's variant id); every bad row is named at once."""
    problems: list[Problem] = []
    targets: dict[str, str] = {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file)
            missing = {"source", "target"} - set(reader.fieldnames or ())
            if missing:
                raise InvalidRequest(
                    [Problem("map-products", f"{path}: needs the columns source and target")]
                )
            for number, row in enumerate(reader, start=2):
                source = (row.get("source") or "").strip()
                target = (row.get("target") or "").strip()
                if not source or not target:
                    problems.append(Problem(f"map-products:{number}", "source and target, both"))
                elif targets.get(source, target) != target:
                    problems.append(Problem(f"map-products:{number}", f"{source} is mapped twice"))
                else:
                    targets[source] = target
    except OSError as error:
        raise InvalidRequest([Problem("map-products", f"{path}: {error.strerror}")]) from None
    if problems:
        raise InvalidRequest(problems, operation="migrate")
    return ProductMap(targets)


@dataclass(frozen=True)
class TargetLimits:
    """What one target platform's order import takes (from its adapter and spec)."""

    #: lines must name a variant of the target's catalogue (no custom lines)
    needs_catalogue: bool = False
    #: a mapped variant id must be an integer
    integer_ids: bool = False
    #: line discounts are kept (else a discounted order is refused)
    discounts: bool = True
    #: taxes on top of prices are kept
    taxes: bool = True
    #: the shipping's own tax is kept
    shipping_tax: bool = True
    #: the order status (closed, canceled) is kept
    status: bool = True
    #: an unpaid order stays unpaid (else it is refused: it would arrive paid)
    unpaid: bool = True
    #: captured payments arrive as captured payments
    captures: bool = True
    #: several payments stay several
    split_payments: bool = True
    #: lines may link to a catalogue product (else every line is a custom line)
    links_products: bool = True


#: Per target platform. Next Commerce's ``ordersCreate`` takes catalogue lines at a price, no
#: discount or tax, and one external payment of the total; Shopify's ``orderCreate`` takes no
#: status; Shopware's ``POST order`` makes custom lines and an open
#: transaction (captures belong to its payment extension).
TARGET_LIMITS: dict[str, TargetLimits] = {
    "nextcommerce": TargetLimits(
        needs_catalogue=True,
        integer_ids=True,
        discounts=False,
        taxes=False,
        shipping_tax=False,
        unpaid=False,
        split_payments=False,
    ),
    "shopify": TargetLimits(status=False),
    "shopware": TargetLimits(captures=False, links_products=False),
}


@dataclass(frozen=True)
class Plan:
    """The order to create (None when refused), the problems refusing it, what is not carried."""

    order: Order | None
    problems: tuple[Problem, ...] = ()
    not_carried: tuple[str, ...] = ()


def _lines(
    order: Order, limits: TargetLimits, products: ProductMap, problems: list[Problem]
) -> tuple[list[LineItem], list[str]]:
    lines: list[LineItem] = []
    custom: list[str] = []
    for index, line in enumerate(order.lines):
        target = products.target_for(line)
        name = line.sku or line.title or line.id
        if target is not None and limits.integer_ids and not target.isdigit():
            problems.append(Problem(f"lines[{index}]", f"{name} maps to {target!r}, not an id"))
        elif target is None and limits.needs_catalogue:
            problems.append(
                Problem(
                    f"lines[{index}]",
                    f"product {name} is not mapped to the target's catalogue "
                    "(give --map-products FILE with a row for it)",
                )
            )
        elif target is None or not limits.links_products:
            custom.append(name)
            target = None
        lines.append(line.model_copy(update={"variant_id": target, "product_id": target}))
    if not custom:
        return lines, []
    names = ", ".join(custom)
    return lines, [f"catalogue links: {len(custom)} line(s) arrive as custom lines ({names})"]


def plan_order(order: Order, target_platform: str, products: ProductMap) -> Plan:
    """What ``target_platform`` can take of ``order``: the order to create, every problem
    refusing it, and what is not carried (refunds and fulfillments are carried after the
    create, by the job, where the target can take them)."""
    limits = TARGET_LIMITS.get(target_platform, TargetLimits())
    problems: list[Problem] = []
    try:
        minor_unit(order.currency)
    except UnknownMinorUnit:
        problems.append(
            Problem("currency", f"{order.currency} is not an ISO 4217 currency a target takes")
        )
    lines, lost = _lines(order, limits, products, problems)
    discounted = any(x.total_discount and not x.total_discount.is_zero() for x in order.lines)
    if not limits.discounts and discounted:
        problems.append(
            Problem(
                "discount",
                "the target's order import takes no discounts (it would arrive at a higher total)",
            )
        )
    if not limits.taxes and not order.tax.is_zero():
        where = "inside the prices, not as tax" if order.taxes_included else "the total is lower"
        lost.append(f"taxes: {order.tax} ({where}: the target's import takes none)")
    elif not limits.shipping_tax and order.shipping_tax and not order.shipping_tax.is_zero():
        where = "inside the shipping price" if order.taxes_included else "the total is lower"
        lost.append(f"shipping tax: {order.shipping_tax} ({where})")
    if order.status is not OrderStatus.OPEN and not limits.status:
        if order.status is OrderStatus.CANCELED:
            problems.append(
                Problem("status", "the target's import takes no status: it would arrive open")
            )
        else:
            lost.append(f"status: {order.status.value} (arrives open)")
    captured = order.captured_payments
    if not captured and not limits.unpaid:
        problems.append(
            Problem("payments", "an unpaid order would arrive paid (one external payment)")
        )
    if captured and not limits.captures:
        lost.append(f"captured payments: {len(captured)} (the target records an open payment)")
    elif len(captured) > 1 and not limits.split_payments:
        lost.append(f"payments: {len(captured)} arrive as one external payment")
    if problems:
        return Plan(None, tuple(problems), tuple(lost))
    return Plan(order.model_copy(update={"lines": lines}), (), tuple(lost))


def preflight(adapter: Adapter, order: Order, marker: SourceMarker) -> list[Problem]:
    """The problems ``orders.create`` and the adapter find before their first request (run up
    to it and stopped there: nothing is sent)."""
    op = create_order(adapter, order, OrderCreateOptions(marker=marker))
    try:
        first = next(op)
    except StopIteration:
        return []
    except InvalidRequest as error:
        return list(error.problems)
    except UnifiedOrdersError as error:
        return [Problem("", str(error))]
    finally:
        op.close()
    if not isinstance(first, Request):  # pragma: no cover - an Op only yields requests
        return [Problem("", "the adapter asked for something other than a request")]
    return []
