"""``python -m derivations.claims --regenerate``: re-check every registered claim into ``verdicts.json``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from derivations.claims import shipped

    parser = argparse.ArgumentParser(prog="python -m derivations.claims", description=__doc__.split("\n")[0])
    parser.add_argument("--regenerate", action="store_true", required=True,
                        help=f"check every registered claim (default examples, seed 0) into {shipped.PATH.name}")
    parser.parse_args(argv)
    from derivations.claims import registered

    start = time.perf_counter()
    claims = registered()
    records = shipped.compute(claims, progress=lambda line: print(line, file=sys.stderr, flush=True))
    shipped.write(records)
    print(f"wrote {shipped.PATH} ({len(records)} claims, {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
