"""Shipment idempotency keys kept in an order metafield: both dialects' shared, sans-I/O part.

Shopify keeps no key on a fulfillment (``fulfillmentCreate`` documents no ``@idempotent`` and
``FulfillmentInput`` has no note or metafields), so the key lives on the *order*: the metafield
``unified_orders.shipments`` (type ``json``) maps each idempotency key to an entry
``{"fulfillment": id or null, "fo": fulfillment order id, "units": {fo line: units},
"known": [shipment ids before], "attempt": nonce}``.

Before shipping, an *intent* (``fulfillment`` null) is written; once shipped, the entry names the
shipment. A same-key call finds the shipment, or, after an intent it did not write itself, cannot
tell whether that attempt shipped: :class:`AmbiguousWrite` (candidates: the order's shipments
made since the intent), never a second shipment. The GraphQL dialect writes with ``metafieldsSet``
and ``compareDigest`` (the digest read, or null when the metafield did not exist), so two
processes racing with one key cannot both write the intent; REST has no compare-and-set (see
:mod:`.rest.shipments`).
"""

from __future__ import annotations

import json
import logging
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from unified_orders.adapter import Op
from unified_orders.errors import AmbiguousWrite, PlatformError, ResponseLost, UnifiedOrdersError
from unified_orders.models import Fulfillment

__all__ = [
    "KEY",
    "NAMESPACE",
    "TYPE",
    "Claim",
    "KeyConflict",
    "Ledger",
    "ambiguous",
    "claim",
    "entries_from",
    "intent",
    "keep",
    "new_attempt",
    "shipped_entry",
]

log = logging.getLogger("unified_orders.shopify")

NAMESPACE = "unified_orders"
KEY = "shipments"
TYPE = "json"
#: Read-modify-write rounds of the metafield before giving up (a digest conflict each time).
ROUNDS = 4


def new_attempt() -> str:
    """A nonce naming one attempt's intent (this process wrote it, and has not shipped yet)."""
    return uuid.uuid4().hex


def entries_from(value: Any) -> dict[str, dict[str, Any]]:
    """The key -> entry map of a metafield value (a JSON object); anything else is empty."""
    if not isinstance(value, str) or not value:
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        return {}
    if not isinstance(data, Mapping):
        return {}
    return {str(k): dict(v) for k, v in data.items() if isinstance(v, Mapping)}


@dataclass(frozen=True)
class Ledger:
    """The metafield as read: its entries, the digest to compare against (None: absent), its id
    (REST updates by id) and the ids of the order's shipments at the time of the read."""

    entries: dict[str, dict[str, Any]]
    digest: str | None = None
    metafield_id: str | None = None
    shipments: tuple[str, ...] = field(default=())

    def entry(self, key: str) -> dict[str, Any] | None:
        return self.entries.get(key)

    def shipped(self, key: str) -> str | None:
        """The id of the shipment made under ``key``, if the ledger names it."""
        entry = self.entries.get(key) or {}
        made = entry.get("fulfillment")
        return str(made) if made not in (None, "") else None

    def since(self, key: str) -> list[str]:
        """The order's shipments made since ``key``'s intent (its ``known`` list)."""
        known = {str(x) for x in (self.entries.get(key) or {}).get("known") or []}
        return [s for s in self.shipments if s not in known]

    def written(self, value: str, digest: str | None, metafield_id: str | None) -> Ledger:
        """The ledger once ``value`` was written (its new digest and id as answered)."""
        return Ledger(
            entries=entries_from(value),
            digest=digest,
            metafield_id=metafield_id or self.metafield_id,
            shipments=self.shipments,
        )

    def with_entry(self, key: str, entry: Mapping[str, Any]) -> str:
        """The metafield's new value: this ledger with ``key`` set to ``entry``."""
        entries = dict(self.entries)
        entries[key] = dict(entry)
        return json.dumps(entries, sort_keys=True, separators=(",", ":"))


def intent(
    fo_id: str, units: Mapping[str, int] | None, known: Iterable[str], attempt: str
) -> dict[str, Any]:
    """The entry written before shipping (``units`` None: all that is left)."""
    return {
        "fulfillment": None,
        "fo": fo_id,
        "units": dict(units) if units is not None else None,
        "known": sorted(str(x) for x in known),
        "attempt": attempt,
    }


def shipped_entry(entry: Mapping[str, Any] | None, fo_id: str, shipment_id: str) -> dict[str, Any]:
    """``entry`` naming its shipment (the attempt nonce dropped: it is done)."""
    done = {k: v for k, v in (entry or {}).items() if k != "attempt"}
    done.setdefault("fo", fo_id)
    done["fulfillment"] = shipment_id
    return done


def ambiguous(key: str, candidates: Iterable[str]) -> AmbiguousWrite:
    """A same-key call after an intent whose outcome is unknown: never a second shipment."""
    found = list(candidates)
    seen = (
        f"shipment(s) {', '.join(found)} were made on the order since"
        if found
        else "no shipment of the order was made since, but it may still be under way"
    )
    return AmbiguousWrite(
        f"fulfillments.create: a shipment with this idempotency key was started earlier and "
        f"its outcome is unknown ({seen}); Shopify keeps no key on a shipment, so none was "
        "adopted and nothing was shipped. Check the order before shipping again.",
        operation="fulfillments.create",
        idempotency_key=key,
        candidates=found,
    )


class KeyConflict(Exception):
    """The metafield changed since it was read (a digest conflict): read it again."""


@dataclass(frozen=True)
class Claim:
    """What the ledger says before shipping: ``shipped`` (the shipment made under the key), or
    ``attempt`` (our intent is written: ship now) with the ledger as it was last seen."""

    shipped: str | None = None
    attempt: str | None = None
    ledger: Ledger | None = None


#: Reads the ledger (one request).
Read = Callable[[], Op[Ledger]]
#: Writes a new value over the ledger read and answers the ledger written; raises
#: :class:`KeyConflict` when it changed since it was read.
Write = Callable[[Ledger, str], Op[Ledger]]


def claim(
    read: Read,
    write: Write,
    *,
    key: str,
    fo_id: str,
    units: Mapping[str, int] | None,
    mine: set[str],
) -> Op[Claim]:
    """Before shipping with ``key``: the shipment it made, or our intent written.

    An intent without a shipment is :class:`AmbiguousWrite`, unless this process wrote it
    (its ``attempt`` is in ``mine``) and the order has no shipment made since: then that attempt
    never shipped (the core resends only after a re-read found nothing), and it ships now. A lost
    or conflicting write is settled by reading again (a few rounds).
    """
    for _ in range(ROUNDS):
        ledger = yield from read()
        made = ledger.shipped(key)
        if made is not None:
            return Claim(shipped=made)
        entry = ledger.entry(key)
        if entry is not None:
            if entry.get("attempt") in mine and not ledger.since(key):
                return Claim(attempt=str(entry["attempt"]), ledger=ledger)
            raise ambiguous(key, ledger.since(key))
        attempt = new_attempt()
        mine.add(attempt)
        value = ledger.with_entry(key, intent(fo_id, units, ledger.shipments, attempt))
        try:
            written = yield from write(ledger, value)
        except (KeyConflict, ResponseLost):
            continue  # read again: ours now, another caller's, or still absent
        return Claim(attempt=attempt, ledger=written)
    raise PlatformError(
        f"fulfillments.create: the order's {NAMESPACE}.{KEY} metafield changed on every one of "
        f"{ROUNDS} attempts to record idempotency key {key!r}; nothing was shipped",
        code="metafield_conflict",
    )


def keep(
    read: Read,
    write: Write,
    *,
    key: str,
    fo_id: str,
    shipment_id: str,
    order_id: str,
    ledger: Ledger | None = None,
) -> Op[None]:
    """After shipping: the entry of ``key`` names ``shipment_id``, written over ``ledger`` (the
    intent's, so no read; the metafield is read again only after a conflict). The shipment is
    made whatever happens here, so a failure is logged, never raised (raising would make a made
    shipment look lost); the intent left behind makes a same-key call an
    :class:`AmbiguousWrite`."""
    problem = "the metafield changed on every attempt"
    for _ in range(ROUNDS):
        try:
            if ledger is None:
                ledger = yield from read()
            if ledger.shipped(key) == shipment_id:
                return  # a lost write that landed
            entry = shipped_entry(ledger.entry(key), fo_id, shipment_id)
            yield from write(ledger, ledger.with_entry(key, entry))
            return
        except (KeyConflict, ResponseLost) as error:
            problem = str(error) or problem
            ledger = None
        except UnifiedOrdersError as error:
            problem = str(error)
            break
    log.warning(
        "shipment %s of order %s was made, but its idempotency key could not be kept in the "
        "order's %s.%s metafield (%s): a retry with key %r will be refused as ambiguous",
        shipment_id,
        order_id,
        NAMESPACE,
        KEY,
        problem,
        key,
    )


def ship_once(
    read: Read,
    write: Write,
    *,
    key: str | None,
    fo_id: str,
    units: Mapping[str, int] | None,
    mine: set[str],
    order_id: str,
    made_before: Callable[[str], Op[Fulfillment]],
    send: Callable[[], Op[Fulfillment]],
) -> Op[Fulfillment]:
    """Ship with ``send`` once per ``key``: :func:`claim` first (the shipment the key already
    made, read with ``made_before``, is returned instead), then :func:`keep` its id."""
    claimed = None
    if key is not None:
        claimed = yield from claim(read, write, key=key, fo_id=fo_id, units=units, mine=mine)
        if claimed.shipped is not None:
            made = yield from made_before(claimed.shipped)
            return made.model_copy(update={"idempotency_key": key})
    shipment = yield from send()
    if key is not None and claimed is not None:
        yield from keep(
            read,
            write,
            key=key,
            fo_id=fo_id,
            shipment_id=shipment.id,
            order_id=order_id,
            ledger=claimed.ledger,
        )
    return shipment.model_copy(update={"idempotency_key": key})


def shipment_named(
    ledger: Ledger, key: str, by_id: Callable[[str, str], Op[Fulfillment]]
) -> Op[Fulfillment | None]:
    """The shipment ``ledger`` names for ``key`` (read with ``by_id(shipment, fo)``), or None."""
    shipped = ledger.shipped(key)
    if shipped is None:
        return None
    made = yield from by_id(shipped, str((ledger.entry(key) or {}).get("fo") or ""))
    return made.model_copy(update={"idempotency_key": key})


_ATTEMPTS: weakref.WeakKeyDictionary[object, set[str]] = weakref.WeakKeyDictionary()


def attempts_of(adapter: object) -> set[str]:
    """The intents ``adapter`` wrote (a same-key resend of its own may ship), for its lifetime."""
    return _ATTEMPTS.setdefault(adapter, set())
