"""``circuitcomp fit LAW ...``: one command for every fit, each law's module imported only when it is chosen.

The law's own parser (``configure(parser)``, ``handler(args)`` in its module) reads the law's name and the
rest of the words, so every law keeps its own file argument and options.
"""

from __future__ import annotations

import argparse
import importlib

LAWS = {
    "chinchilla": ("derivations.scaling.fit", "L = E + A/N^alpha + B/D^beta to (N, D, loss) runs (Besiroglu et al.)"),
    "grokking": ("derivations.grokking.fit_command",
                 "the two-circuit model to (fraction, weight_decay, lr, t_memorize, t_generalize) runs"),
}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = "Fit a law to training runs. " + "; ".join(
        f"{law}: {text}" for law, (_, text) in LAWS.items()) + ". `circuitcomp fit LAW --help` lists a law's options."
    parser.add_argument("law", choices=list(LAWS), help="what to fit")
    parser.add_argument("words", nargs=argparse.REMAINDER, metavar="...", help="the law's file and options")


def handler(args: argparse.Namespace) -> int:
    from derivations.cli import _Parser

    module = importlib.import_module(LAWS[args.law][0])
    parser = _Parser(prog="circuitcomp fit")
    module.configure(parser)
    return module.handler(parser.parse_args([args.law, *args.words]))
