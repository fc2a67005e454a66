"""State names are learned only where the reads load state associations, and that finds them all.

The adapter words ``IllegalTransition`` with a state's technical name, learned from the bodies it
reads. It walks only the keys under which its criteria load states (``STATE_PATHS``); every
recorded body and every demo order must teach it the same names as a walk of every node.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from unified_orders_adapters.shopware import translate as t

import unified_orders as uo
from unified_orders.jsonutil import loads

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "shopware"


def _recorded_bodies() -> list[Any]:
    bodies = []
    for cassette in sorted(CASSETTES.glob("*.yaml")):
        for interaction in yaml.safe_load(cassette.read_text())["interactions"]:
            text = interaction["response"]["body"]["string"]
            if text:
                bodies.append(loads(text))
    return bodies


def _names(body: Any, paths: frozenset[str] | None) -> dict[str, str]:
    names: dict[str, str] = {}
    t.collect_state_names(body, names, paths)
    return names


def test_recorded_bodies_teach_the_same_names_along_the_state_paths() -> None:
    bodies = _recorded_bodies()
    everything: dict[str, str] = {}
    for body in bodies:
        assert _names(body, t.STATE_PATHS) == _names(body, None)
        everything.update(_names(body, None))
    assert {"open", "paid", "refunded"} <= set(everything.values())


def test_demo_orders_teach_the_same_names_along_the_state_paths() -> None:
    with uo.connect("shopware", sandbox=True) as store:
        emulator = store.sandbox
        assert emulator is not None
        emulator.seed_orders(30)  # type: ignore[attr-defined]
        hits = [dict(order.raw) for order in store.orders.list()]
    body = {"total": len(hits), "data": hits}
    names = _names(body, t.STATE_PATHS)
    assert names == _names(body, None)
    for hit in hits:
        state = hit["stateMachineState"]
        assert names[state["id"]] == state["technicalName"]


def test_a_state_machine_read_names_its_states() -> None:
    state = {"id": "a" * 32, "technicalName": "open", "stateMachineId": "b" * 32}
    assert _names({"data": [state]}, t.STATE_PATHS) == {"a" * 32: "open"}
    assert _names(state, t.STATE_PATHS) == {"a" * 32: "open"}  # a transition's answer
