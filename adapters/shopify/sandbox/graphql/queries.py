"""The query root fields: ``order``, ``orders``, ``events``, ``refund``, ``job``, ``return``,
``fulfillmentOrder``, ``fulfillmentOrders`` and ``fulfillment`` (``returnableFulfillments`` and
``returnableFulfillment`` are with the returns, :mod:`.returns`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ShopifyError
from .search import event_terms, fulfillment_order_terms, search_terms
from .values import Obj, connection, gid, gid_number, timestamp
from .views import Resolvers

#: The access scopes of the sandbox's app: every one the library's operations use.
APP_SCOPES = (
    "read_orders",
    "read_all_orders",
    "write_orders",
    "read_returns",
    "write_returns",
    "read_merchant_managed_fulfillment_orders",
    "write_merchant_managed_fulfillment_orders",
    "read_third_party_fulfillment_orders",
    "write_third_party_fulfillment_orders",
    "read_assigned_fulfillment_orders",
    "write_assigned_fulfillment_orders",
    "read_fulfillments",
    "write_fulfillments",
    "read_locations",
    "read_inventory",
    "write_inventory",
)

__all__ = ["QueryResolvers", "search_terms"]


class QueryResolvers(Resolvers):
    """Answers the query root fields from the state."""

    def roots(self) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
        """The root fields answered here, by GraphQL name."""
        return {
            "order": self.order,
            "orders": self.orders,
            "events": self.events,
            "refund": self.refund,
            "job": self.job,
            "return": self.return_,
            "fulfillmentOrder": self.fulfillment_order,
            "fulfillmentOrders": self.fulfillment_orders,
            "fulfillment": self.fulfillment,
            "currentAppInstallation": self.app_installation,
        }

    def app_installation(self, args: Mapping[str, Any]) -> Obj:
        """``currentAppInstallation``: the sandbox app's access scopes (:data:`APP_SCOPES` but
        the store's ``denied_scopes``)."""
        denied = set(self.state.data.get("denied_scopes", ()))
        return {"accessScopes": [{"handle": h} for h in APP_SCOPES if h not in denied]}

    def order(self, args: Mapping[str, Any]) -> Obj | None:
        """``order(id:)``."""
        order = self.order_by_gid(args.get("id"))
        return self.views.order(order) if order is not None else None

    def orders(self, args: Mapping[str, Any]) -> Obj:
        """``orders(query:, reverse:, first:, after:)``: the search terms the adapter sends."""
        terms = search_terms(str(args.get("query") or ""))
        found = [o for o in self.state.orders() if all(t(o) for t in terms) and self.state.shown(o)]
        if args.get("reverse"):
            found.reverse()
        return connection([self.views.order(o) for o in found], args)

    def events(self, args: Mapping[str, Any]) -> Obj:
        """``events(query:, sortKey:, reverse:, first:, after:)``: the store's ``BasicEvent``s
        (deleted orders), filtered by the search terms the adapter sends."""
        terms = event_terms(str(args.get("query") or ""))
        found = [e for e in self.state.data.get("events", {}).values() if all(t(e) for t in terms)]
        found.sort(
            key=lambda e: (
                (e["created_at"], int(e["id"]))
                if args.get("sortKey") == "CREATED_AT"
                else (int(e["id"]),)
            )
        )
        if args.get("reverse"):
            found.reverse()
        views = [
            {
                "__typename": "BasicEvent",
                "id": gid("BasicEvent", e["id"]),
                "createdAt": timestamp(e["created_at"]),
                "action": e["action"],
                "message": e["message"],
                "subjectId": gid("Order", e["subject_id"]),
                "subjectType": e["subject_type"],
            }
            for e in found
        ]
        return connection(views, args)

    def refund(self, args: Mapping[str, Any]) -> Obj | None:
        """``refund(id:)``."""
        rid = gid_number(args.get("id"), "Refund")
        if rid is None:
            return None
        try:
            order, refund = self.state.find_refund(rid)
        except ShopifyError:
            return None
        return self.views.refund(order, refund)

    def job(self, args: Mapping[str, Any]) -> Obj | None:
        """``job(id:)``: an ``orderCancel`` job, done after its polls run out."""
        jid = gid_number(args.get("id"), "Job")
        job = self.state.data["jobs"].get(str(jid)) if jid is not None else None
        if job is None:
            return None
        job["polls_left"] = int(job["polls_left"]) - 1
        return {"id": gid("Job", jid), "done": job["polls_left"] <= 0}

    def return_(self, args: Mapping[str, Any]) -> Obj | None:
        """``return(id:)``."""
        rid = gid_number(args.get("id"), "Return")
        ret = self.state.data["returns"].get(str(rid)) if rid is not None else None
        return self.views.return_(ret) if ret is not None else None

    def fulfillment(self, args: Mapping[str, Any]) -> Obj | None:
        """``fulfillment(id:)``."""
        number = gid_number(args.get("id"), "Fulfillment")
        found = self.views.fulfillment_by_id(number) if number is not None else None
        return self.views.fulfillment(found[1]) if found is not None else None

    def fulfillment_order(self, args: Mapping[str, Any]) -> Obj | None:
        """``fulfillmentOrder(id:)``."""
        fid = gid_number(args.get("id"), "FulfillmentOrder")
        if fid is None or str(fid) not in self.state.data["fulfillment_orders"]:
            return None
        return self.views.fulfillment_order(self.state.fulfillment_order(fid))

    def fulfillment_orders(self, args: Mapping[str, Any]) -> Obj:
        """``fulfillmentOrders(query:, includeClosed:, sortKey:, reverse:, first:, after:)``:
        every fulfillment order of the shop, filtered by the search terms the adapter sends.
        INFERRED: ``includeClosed: false`` (the default) leaves out closed, cancelled and
        incomplete ones (the schema says "closed")."""
        terms = fulfillment_order_terms(str(args.get("query") or ""))
        shown = None if args.get("includeClosed") else {"closed", "cancelled", "incomplete"}
        found = [
            fo
            for fo in self.state.data["fulfillment_orders"].values()
            if (shown is None or fo.get("status") not in shown) and all(t(fo) for t in terms)
        ]
        if args.get("sortKey") == "UPDATED_AT":
            found.sort(key=lambda fo: (str(fo["updated_at"]), int(fo["id"])))
        else:
            found.sort(key=lambda fo: int(fo["id"]))
        if args.get("reverse"):
            found.reverse()
        return connection([self.views.fulfillment_order(fo) for fo in found], args)
