"""python -m figures [--list] [--only NAME ...] [--fast] [--out DIR] [--no-cache] [--jobs N]

The same command as ``circuitcomp figures`` (figures.command), which works from any folder: ``python -m
figures`` finds a local ``figures/`` folder first when run from a directory that has one.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from derivations.cli import main as circuitcomp  # sets single-threaded BLAS before NumPy is imported

    return circuitcomp(["figures", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
