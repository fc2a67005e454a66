"""The Shopify sandbox's routing table: REST Admin API paths below ``/admin/api/{version}/``
(without ``.json``) and the handlers serving them (:mod:`.handlers`)."""

from __future__ import annotations

from unified_orders.sandbox import Route, Router

__all__ = ["ROUTES"]

ROUTES = Router(
    [
        Route("GET", "orders", "list_orders"),
        Route("POST", "orders", "create_order"),
        Route("GET", "orders/{order_id:int}", "get_order"),
        Route("PUT", "orders/{order_id:int}", "update_order"),
        Route("POST", "orders/{order_id:int}/cancel", "cancel_order"),
        Route("GET", "orders/{order_id:int}/transactions", "list_transactions"),
        Route("GET", "orders/{order_id:int}/metafields", "list_order_metafields"),
        Route("POST", "orders/{order_id:int}/metafields", "create_order_metafield"),
        Route(
            "PUT",
            "orders/{order_id:int}/metafields/{metafield_id:int}",
            "update_order_metafield",
        ),
        Route("GET", "orders/{order_id:int}/refunds", "list_refunds"),
        Route("GET", "orders/{order_id:int}/refunds/{refund_id:int}", "get_refund"),
        Route("POST", "orders/{order_id:int}/refunds/calculate", "calculate_refund", writes=False),
        Route("POST", "orders/{order_id:int}/refunds", "create_refund"),
        Route("GET", "orders/{order_id:int}/fulfillment_orders", "list_fulfillment_orders"),
        Route("GET", "fulfillment_orders/{fo_id:int}", "get_fulfillment_order"),
        Route("POST", "fulfillment_orders/{fo_id:int}/hold", "hold"),
        Route("POST", "fulfillment_orders/{fo_id:int}/release_hold", "release_hold"),
        Route("POST", "fulfillment_orders/{fo_id:int}/fulfillment_request", "request_fulfillment"),
        Route(
            "POST",
            "fulfillment_orders/{fo_id:int}/fulfillment_request/accept",
            "accept_fulfillment_request",
        ),
        Route(
            "POST",
            "fulfillment_orders/{fo_id:int}/cancellation_request",
            "request_cancellation",
        ),
        Route("GET", "fulfillment_orders/{fo_id:int}/locations_for_move", "locations_for_move"),
        Route("POST", "fulfillment_orders/{fo_id:int}/move", "move"),
        Route("POST", "fulfillment_orders/{fo_id:int}/cancel", "cancel_fulfillment_order"),
        Route("POST", "fulfillments", "create_fulfillment"),
        Route("POST", "fulfillments/{fulfillment_id:int}/update_tracking", "update_tracking"),
        Route("POST", "graphql", "answer_graphql"),
    ]
)
