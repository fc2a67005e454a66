"""What the Shopware sandbox answers: every Admin API route it serves, below ``/api/``."""

from __future__ import annotations

from unified_orders.sandbox import Route, Router

__all__ = ["ROUTES"]

ROUTES = Router(
    [
        Route("POST", "oauth/token", "issue_token"),
        Route("GET", "_info/version", "info_version"),
        Route("POST", "search/{entity}", "search_entities", writes=False),
        # state machines
        Route("GET", "_action/state-machine/{entity}/{entity_id}/state", "list_transitions"),
        Route(
            "POST", "_action/state-machine/{entity}/{entity_id}/state/{action}", "apply_transition"
        ),
        Route("POST", "_action/{entity}/{entity_id}/state/{action}", "apply_entity_transition"),
        # writes
        Route("POST", "order", "create_order"),
        Route("POST", "order-address", "create_address"),
        Route("PATCH", "order-address/{row_id}", "patch_address"),
        Route("PATCH", "order-delivery/{row_id}", "patch_delivery"),
        Route("POST", "order-transaction-capture-refund", "create_refund"),
        Route("POST", "_action/order_transaction_capture_refund/{refund_id}", "process_refund"),
        # Commercial ReturnManagement (404 without the licence)
        Route("POST", "_proxy/order/{order_id}/return", "create_return"),
        Route(
            "POST",
            "_action/order/{order_id}/order-return/{return_id}/add-items",
            "add_return_items",
        ),
        Route("POST", "_action/order/return/{return_id}/calculate", "calculate_return"),
        Route("POST", "_action/order-return-line-item/state/{to_state}", "set_return_item_state"),
        Route("PATCH", "order-return-line-item/{item_id}", "patch_return_item"),
    ]
)
