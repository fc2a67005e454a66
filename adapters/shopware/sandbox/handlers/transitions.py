"""State transitions: the transitions an entity offers, and applying an action.

``GET /api/_action/state-machine/{entity}/{id}/state`` lists what the shop offers now;
``POST /api/_action/state-machine/{entity}/{id}/state/{action}`` (and the order, delivery and
payment routes ``/api/_action/{entity}/{id}/state/{action}``) apply an action as
``StateMachineRegistry::transition`` does (:func:`...states.next_state`): the idempotent no-op,
the 6.6 cancel-from-anywhere shortcut, and ``SYSTEM__ILLEGAL_STATE_TRANSITION`` reporting the
state *id* and the possible actions.
"""

from __future__ import annotations

from unified_orders.sandbox import Reply, SandboxRequest

from ...states import ACTION_ROUTE_ENTITIES, ENTITY_MACHINES, next_state, possible_actions
from ..errors import refusal
from ..state import COMMERCIAL_ENTITIES, Row, ShopwareState

__all__ = ["TransitionHandlers"]


class TransitionHandlers(ShopwareState):
    """The state-machine routes, over :mod:`...states`."""

    def list_transitions(self, request: SandboxRequest, entity: str, entity_id: str) -> Reply:
        """``GET _action/state-machine/{entity}/{id}/state``."""
        if entity in COMMERCIAL_ENTITIES:
            self.require_commercial(request)
        machine, current = self.stateful(entity, entity_id)
        transitions = [
            {
                "name": self.state_row(self.state_id(machine, to))["name"],
                "technicalName": to,
                "actionName": action,
                "fromStateName": current,
                "toStateName": to,
                "url": f"/api/_action/state-machine/{entity}/{entity_id}/state/{action}",
            }
            for action, source, to in self.machines()[machine][2]
            if source == current
        ]
        return 200, {"transitions": transitions}, {}

    def apply_transition(
        self, request: SandboxRequest, entity: str, entity_id: str, action: str
    ) -> Reply:
        """``POST _action/state-machine/{entity}/{id}/state/{action}``: the new state."""
        if entity in COMMERCIAL_ENTITIES:
            self.require_commercial(request)
        return 200, self.transition(entity, entity_id, action), {}

    def apply_entity_transition(
        self, request: SandboxRequest, entity: str, entity_id: str, action: str
    ) -> Reply:
        """``POST _action/{order|order_delivery|order_transaction}/{id}/state/{action}``."""
        if entity not in ACTION_ROUTE_ENTITIES:
            raise self.missing_route(request)
        return 200, self.transition(entity, entity_id, action), {}

    def stateful(self, entity: str, entity_id: str) -> tuple[str, str]:
        """The machine of ``entity`` and the current state of the row (400/404 when none)."""
        machine = ENTITY_MACHINES.get(entity)
        if machine is None or (entity in COMMERCIAL_ENTITIES and not self.commercial):
            raise refusal(
                400,
                "SYSTEM__STATE_MACHINE_INVALID_ENTITY_ID",
                f"The entity {entity} has no state machine.",
            )
        row = self.table(entity).get(entity_id)
        if row is None:
            raise refusal(
                404,
                "FRAMEWORK__ENTITY_NOT_FOUND",
                f'Could not find entity for "{entity}" with id "{entity_id}".',
            )
        return machine, str(self.state_row(str(row["stateId"]))["technicalName"])

    def transition(self, entity: str, entity_id: str, action: str) -> Row:
        """Apply ``action`` to a row; the rendered state it is in afterwards."""
        machine, current = self.stateful(entity, entity_id)
        current_id = self.state_id(machine, current)
        target = next_state(self.version, machine, current, action)
        if target is None:
            possible = possible_actions(self.version, machine, current)
            raise refusal(
                400,
                "SYSTEM__ILLEGAL_STATE_TRANSITION",
                f'Illegal transition "{action}" from state "{current_id}". Possible transitions '
                f"are: {', '.join(possible)}",
                meta={
                    "parameters": {
                        "transition": action,
                        "currentState": current_id,
                        "possibleTransitions": possible,
                    }
                },
            )
        if target == current:
            return self.render("state_machine_state", self.state_row(current_id), None)
        row = self.table(entity)[entity_id]
        row["stateId"] = self.state_id(machine, target)
        self.touch(entity, entity_id)
        return self.render("state_machine_state", self.state_row(row["stateId"]), None)
