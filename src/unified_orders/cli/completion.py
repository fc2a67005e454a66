"""Shell completion: ``unified-orders completion bash|zsh|fish`` prints the script, and what the
shells complete (command names, options, enum values such as hold reasons and report kinds,
store names from the config, cancel reasons, restock types in ``--line LINE:QTY:RESTOCK``).

Typer's completion machinery (the scripts and the per-shell classes answering the shell; typer
keeps them in private modules) stays behind this module. The scripts call ``unified-orders`` back with ``_UNIFIED_ORDERS_COMPLETE`` set.
"""

from __future__ import annotations

import os
import warnings
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "CANCEL_REASONS",
    "COMPLETE_VAR",
    "Shell",
    "cancel_reasons",
    "completion",
    "completion_script",
    "prepare_completion",
    "refund_lines",
    "store_names",
]

PROG = "unified-orders"
#: The variable the scripts set when they ask for completions.
COMPLETE_VAR = "_UNIFIED_ORDERS_COMPLETE"
#: The reasons ``orders cancel --reason`` takes.
CANCEL_REASONS = ("customer", "fraud", "inventory", "declined", "staff", "other")


class Shell(StrEnum):
    """Shells with a completion script."""

    BASH = "bash"
    ZSH = "zsh"
    FISH = "fish"


_INSTALL = {
    Shell.BASH: 'eval "$(unified-orders completion bash)"  # in ~/.bashrc',
    Shell.ZSH: 'eval "$(unified-orders completion zsh)"  # in ~/.zshrc, after compinit',
    Shell.FISH: "unified-orders completion fish > ~/.config/fish/completions/unified-orders.fish",
}


def completion_script(shell: Shell) -> str:
    """The completion script for ``shell``."""
    from typer._completion_shared import get_completion_script

    return str(get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell))


def prepare_completion() -> None:
    """When a shell asks for completions, answer it with typer's per-shell classes."""
    if os.environ.get(COMPLETE_VAR):
        from typer._completion_classes import completion_init

        completion_init()


def completion(
    ctx: typer.Context,
    shell: Annotated[Shell, typer.Argument(help="The shell: bash, zsh or fish.")],
) -> None:
    """Print the shell completion script (bash, zsh or fish) for unified-orders.

    Load it in the shell's startup file: bash ``eval "$(unified-orders completion bash)"``,
    zsh the same with ``zsh`` (after ``compinit``), fish ``unified-orders completion fish >
    ~/.config/fish/completions/unified-orders.fish``. It completes commands, options, store
    names from the config, and the values of enum options.
    """
    from .fields import fields_of

    fields_of(ctx, "completion")  # refused: a script is no records
    typer.echo(completion_script(shell))


# --- what the shells complete ------------------------------------------------------------------
def store_names(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Store names from the config the command line names (``--config``), else the default one;
    each with its platform. Nothing when the config cannot be read."""
    from ..config import load_config
    from ..errors import UnifiedOrdersError

    given = ctx.find_root().params.get("config")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = load_config(Path(given) if given else None)
    except (UnifiedOrdersError, OSError, ValueError):
        return []
    return [
        (name, store.platform)
        for name, store in config.stores.items()
        if name.startswith(incomplete.strip())
    ]


def cancel_reasons(incomplete: str) -> list[str]:
    """The cancel reasons starting with what was typed."""
    return [reason for reason in CANCEL_REASONS if reason.startswith(incomplete)]


def refund_lines(incomplete: str) -> list[str]:
    """``LINE:QTY:`` completed with each restock type (``no_restock``, ``cancel``, ``return``)."""
    from ..models.enums import Restock

    parts = incomplete.rsplit(":", 2)  # from the right: a GID line id has colons of its own
    if len(parts) != 3 or not parts[1].isdigit():
        return []
    line, quantity, typed = parts
    return [f"{line}:{quantity}:{value}" for value in Restock if value.startswith(typed)]
