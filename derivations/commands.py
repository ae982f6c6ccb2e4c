"""``circuitcomp`` subcommands that live in other modules (``fit``, ``figures``), imported only when chosen.

:data:`EXTRA` names each command's module and its one-line help, so ``circuitcomp --help`` lists them
without importing them. The module either registers its command with :func:`command` when imported
(``derivations.training.command``) or defines ``configure(parser)`` and ``handler(args)`` (``figures.command``).
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace], int]


EXTRA: dict[str, tuple[str, str]] = {
    "fit": ("derivations.fitting",
            "fit a law to training runs: circuitcomp fit chinchilla|grokking [FILE.csv] [--bootstrap K]"),
    "figures": ("figures.command",
                "draw the papers' figures (PDF + PNG): circuitcomp figures [--list] [--only NAME ...] [--fast]"),
    "derive": ("derivations.derive",
               "analyse a Model: circuitcomp derive FILE.py[:NAME] [key=value ...] [--solve-for SYMBOL] [--json]"),
    "report": ("derivations.report",
               "write the derivation report, one Markdown page per family: circuitcomp report [--out DIR]"),
    "claims": ("derivations.claims.command",
               "the sources' claims with verdicts: circuitcomp claims [show ID | check ID|FILE.py] [--json]"),
    "train": ("derivations.training.command",
              "train a real network (extra 'training'): circuitcomp train grokking key=value ... [--json]"),
    "runs": ("derivations.training.command",
             "the store of training runs: circuitcomp runs export [--store PATH] --csv FILE"),
}

COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, configure: Callable, handler: Callable) -> None:
    """Register ``circuitcomp NAME``: ``configure(parser)`` adds arguments, ``handler(args)`` returns an exit code.

    Handlers raise ``ValueError`` for bad input; the CLI turns it into exit code 2 and one line.
    """
    if name in COMMANDS:
        raise ValueError(f"command {name!r} is registered twice")
    COMMANDS[name] = Command(name, help, configure, handler)


def resolve(name: str) -> Command:
    """The extra command ``name``, importing its module."""
    module_name, help = EXTRA[name]
    module = importlib.import_module(module_name)
    return COMMANDS.get(name) or Command(name, help, module.configure, module.handler)
