"""The webhook receiver behind ``unified-orders webhooks serve``: an ASGI app (Starlette) served
by uvicorn, an inbox table that keeps each delivery once, and a worker that re-reads the orders a
delivery names into the reporting database (and forwards canonical events, Standard Webhooks
signed). Needs the ``webhooks`` extra: ``pip install 'unified-orders[webhooks]'``.
"""

from .app import MAX_BODY, Endpoint, Receiver, build_app
from .forward import Forwarder
from .inbox import Delivery, Inbox
from .serve import ReceiverServer, bind

__all__ = [
    "MAX_BODY",
    "Delivery",
    "Endpoint",
    "Forwarder",
    "Inbox",
    "Receiver",
    "ReceiverServer",
    "bind",
    "build_app",
]
