"""Extra ``circuitcomp`` subcommands contributed by other modules (e.g. ``fit``).

A module calls :func:`command` at import time; the CLI adds every registered subcommand after
:func:`theory.registry.load_all` has imported the modules.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, configure: Callable, handler: Callable) -> None:
    """Register ``circuitcomp NAME``: ``configure(parser)`` adds arguments, ``handler(args)`` returns an exit code.

    Handlers raise ``ValueError`` for bad input; the CLI turns it into exit code 2 and one line.
    """
    if name in COMMANDS:
        raise ValueError(f"command {name!r} is registered twice")
    COMMANDS[name] = Command(name, help, configure, handler)
