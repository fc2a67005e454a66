"""The sandbox's routing table: Admin API 2024-04-01 paths below ``/api/admin/``.

The first block is what the adapter calls; the ``accept``/``reject`` and ``fulfillments`` routes
are the fulfillment service's side, so every fulfillment-order state can be reached.
"""

from __future__ import annotations

from unified_orders.sandbox import Route, Router

__all__ = ["ROUTES"]

FO = "fulfillment-orders/{fo_id:int}"

ROUTES = Router(
    [
        Route("GET", "orders/", "list_orders"),
        Route("POST", "orders/", "create_order"),
        Route("GET", "orders/{number}/", "get_order"),
        Route("PATCH", "orders/{number}/", "update_order"),
        Route("POST", "orders/{number}/cancel/", "cancel_order"),
        Route("POST", "orders/{number}/refund/calculate/", "calculate_refund", writes=False),
        Route("POST", "orders/{number}/refund/", "create_refund"),
        Route("GET", "transactions/", "list_transactions"),
        Route("GET", "orders/{number}/fulfillment-orders/", "list_fulfillment_orders"),
        Route("GET", "fulfillment-orders/", "list_all_fulfillment_orders"),
        Route("GET", f"{FO}/", "get_fulfillment_order"),
        Route("POST", f"{FO}/hold/", "hold"),
        Route("POST", f"{FO}/release-hold/", "release_hold"),
        Route("POST", f"{FO}/fulfillment-request/", "request_fulfillment"),
        Route("POST", f"{FO}/fulfillment-request/accept/", "accept_fulfillment_request"),
        Route("POST", f"{FO}/fulfillment-request/reject/", "reject_fulfillment_request"),
        Route("POST", f"{FO}/cancellation-request/", "request_cancellation"),
        Route("POST", f"{FO}/cancellation-request/accept/", "accept_cancellation_request"),
        Route("POST", f"{FO}/cancellation-request/reject/", "reject_cancellation_request"),
        Route("GET", f"{FO}/available-locations/", "available_locations"),
        Route("POST", f"{FO}/move/", "move"),
        Route("POST", f"{FO}/fulfillments/", "create_fulfillment"),
        Route("POST", f"{FO}/cancel/", "cancel_fulfillment_order"),
        Route("GET", "webhooks/", "list_webhooks"),
        Route("POST", "webhooks/", "create_webhook"),
        Route("GET", "webhooks/{hook_id:int}/", "get_webhook"),
        Route("PATCH", "webhooks/{hook_id:int}/", "update_webhook"),
        Route("PUT", "webhooks/{hook_id:int}/", "update_webhook"),
        Route("DELETE", "webhooks/{hook_id:int}/", "delete_webhook"),
    ]
)
