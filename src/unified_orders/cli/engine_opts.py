"""The options that send a command's work to the Temporal engine: ``--engine``, ``--temporal``
and ``--task-queue`` (``worker`` takes the last two)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

import typer

from ..engine import DEFAULT_ADDRESS, DEFAULT_TASK_QUEUE, require_temporal
from ..errors import ConfigurationError

__all__ = [
    "DEFAULT_ADDRESS",
    "DEFAULT_TASK_QUEUE",
    "Engine",
    "EngineOpt",
    "EngineTarget",
    "TaskQueueOpt",
    "TemporalOpt",
    "engine_target",
]


HEARTBEAT_ENV = "UNIFIED_ORDERS_HEARTBEAT_SECONDS"


class Engine(StrEnum):
    """Where the work runs (left out: in this process)."""

    TEMPORAL = "temporal"


@dataclass(frozen=True)
class EngineTarget:
    """Where to run: the Temporal server's ``HOST:PORT`` and the workers' task queue."""

    #: None: Temporal's own client config, else ``localhost:7233``
    address: str | None = None
    task_queue: str = DEFAULT_TASK_QUEUE
    #: how long a silent worker is taken for dead before its work moves to another worker
    #: (``$UNIFIED_ORDERS_HEARTBEAT_SECONDS``; None: the engine's defaults)
    heartbeat_seconds: float | None = None


EngineOpt = Annotated[
    Engine | None,
    typer.Option(
        "--engine",
        help="Run on workers through this engine (start them with `unified-orders worker`); "
        "left out: in this process.",
    ),
]
TemporalOpt = Annotated[
    str | None,
    typer.Option(
        "--temporal",
        metavar="HOST:PORT",
        envvar="UNIFIED_ORDERS_TEMPORAL",
        help="The Temporal server address. Default: Temporal's client config (TEMPORAL_ADDRESS; "
        f"namespace, API key, TLS: TEMPORAL_NAMESPACE, ...), else {DEFAULT_ADDRESS}.",
        show_default=False,
    ),
]
TaskQueueOpt = Annotated[
    str,
    typer.Option(
        "--task-queue",
        envvar="UNIFIED_ORDERS_TASK_QUEUE",
        help="The Temporal task queue the workers poll.",
    ),
]


def engine_target(engine: Engine | None, address: str | None, queue: str) -> EngineTarget | None:
    """Where ``--engine`` sends the work (None: in this process); a missing extra is a
    configuration error naming the pip command."""
    if engine is None:
        return None
    require_temporal()
    heartbeat = os.environ.get(HEARTBEAT_ENV, "").strip()
    try:
        seconds = float(heartbeat) if heartbeat else None
    except ValueError:
        seconds = None
    if seconds is not None and not seconds > 0:
        seconds = None
    if heartbeat and seconds is None:
        raise ConfigurationError(f"${HEARTBEAT_ENV} must be a number of seconds, not {heartbeat!r}")
    return EngineTarget(address, queue, seconds)
