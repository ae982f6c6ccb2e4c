"""python -m figures [--list] [--only NAME ...] [--fast] [--out DIR] [--no-cache] [--jobs N]: see figures.command.

``circuitcomp figures`` is the same command and works from any folder; ``python -m figures`` finds a
local ``figures/`` folder first when run from a directory that has one.
"""

import os
import sys

# One BLAS thread per process, set before NumPy is first imported (see figures.command).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from figures.command import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
