"""``sandbox reset`` and ``sandbox serve``: the sandbox stores' saved state, and the server that
lets several processes share it."""

from __future__ import annotations

from typing import Annotated

import typer

from ..sandbox.protocol import DEFAULT_PORT
from .completion import store_names
from .session import session_of

__all__ = ["sandbox"]

sandbox = typer.Typer(
    help="The sandbox stores: reset their saved state, or serve them to other processes.",
    no_args_is_help=True,
)

StoresArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Store names (default: every configured store).", autocompletion=store_names
    ),
]


@sandbox.command("reset")
def reset(ctx: typer.Context, names: StoresArg = None) -> None:
    """Forget the sandbox stores' changes: the next command starts from fresh demo data.

    A store that a running `sandbox serve` serves is reset in the server, at once.
    """
    from ..http.served import reset_served_stores

    session = session_of(ctx)
    out = session.output
    states = session.states
    served = {n: url for n, url in states.served_stores().items() if not names or n in names}
    if names:
        local = [name for name in names if name not in served]
    else:
        saved = sorted(states.root.glob("*.json")) if states.root.exists() else []
        local = [path.stem for path in saved if path.stem not in served]
    deleted = states.reset(local)
    by_server: dict[str, list[str]] = {}
    for name, url in served.items():
        by_server.setdefault(url, []).append(name)
    for url, stores in by_server.items():
        deleted += reset_served_stores(url, stores)
    for name in deleted:
        out.note(f"reset {name}")
    if not out.tables:  # and for scripts, one JSON line per store reset
        out.items([{"store": name, "reset": True} for name in deleted], render=lambda _: None)
    if not deleted:
        out.note("nothing to reset: the sandbox stores hold fresh demo data")


@sandbox.command("serve")
def serve(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Sandbox stores to serve (default: every configured sandbox store).",
            autocompletion=store_names,
        ),
    ] = None,
    port: Annotated[
        int,
        typer.Option(
            "--port", min=0, max=65535, help="Port to listen on (0: any free port; printed)."
        ),
    ] = DEFAULT_PORT,
    host: Annotated[
        str,
        typer.Option(
            "--host", help="Address to listen on; loopback only unless --allow-non-loopback."
        ),
    ] = "127.0.0.1",
    allow_non_loopback: Annotated[
        bool,
        typer.Option(
            "--allow-non-loopback",
            help="Listen on a --host other machines can reach. The server has no "
            "authentication: anyone who reaches it reads and changes the sandbox stores.",
        ),
    ] = False,
    latency_ms: Annotated[
        float,
        typer.Option(
            "--latency-ms",
            min=0,
            help="Delay every answer by this many milliseconds, like a real platform's "
            "network (for benchmarks).",
        ),
    ] = 0.0,
    log_requests: Annotated[
        bool, typer.Option("--log-requests", help="Log one line per request on stderr.")
    ] = False,
) -> None:
    """Serve the sandbox stores over HTTP, so several processes share one emulated store.

    Every sandbox store of a client: UNIFIED_ORDERS_SANDBOX_SERVER=http://127.0.0.1:8765

    One store: sandbox_server = "http://127.0.0.1:8765" in its config (beside sandbox = true).

    The store with the same name answers, rate limits included: its state lives here.

    It starts from the saved state and saves it within a second of a write, and on exit.

    Meanwhile `sandbox reset` resets here, and in-process use of a served store exits 11.

    Ctrl-C stops the server (exit 130), and so does SIGTERM (exit 0).
    """
    from .sandbox_serve import ServeOptions, run_server

    options = ServeOptions(
        host=host,
        port=port,
        allow_non_loopback=allow_non_loopback,
        latency=latency_ms / 1000.0,
        log_requests=log_requests,
    )
    run_server(session_of(ctx), names, options)
