"""The registered claims (every module of ``derivations/claims/catalog/``) and claims loaded from a user's file."""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import pkgutil
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

from derivations.claims.core import Claim
from derivations.claims.domain import ClaimError


def claims_in(module: ModuleType) -> list[Claim]:
    """The claims defined at module level in ``module`` (not those it imports)."""
    found = {id(v): v for v in vars(module).values() if isinstance(v, Claim) and v.module == module.__name__}
    return list(found.values())


@cache
def _catalog() -> tuple[Claim, ...]:
    from derivations.claims import catalog

    claims: dict[str, Claim] = {}
    for info in sorted(pkgutil.iter_modules(catalog.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{catalog.__name__}.{info.name}")
        for c in claims_in(module):
            if "." not in c.id:
                raise ClaimError(f"claim {c.id} in {module.__name__}: a registered claim needs id='family.name'")
            if c.id in claims:
                raise ClaimError(f"claim id {c.id} is registered twice ({claims[c.id].module}, {c.module})")
            claims[c.id] = c
    return tuple(claims[k] for k in sorted(claims))


def registered() -> list[Claim]:
    """Every registered claim, sorted by id (importing the catalog once)."""
    return list(_catalog())


def unknown_claim(name: str, names: list[str]) -> KeyError:
    """A KeyError for an unknown id, naming the closest ones."""
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; see `circuitcomp claims`"
    return KeyError(f"unknown claim {name!r}{hint}")


def get_claim(name: str) -> Claim:
    """The registered claim ``name``; a KeyError with the closest ids otherwise."""
    claims = {c.id: c for c in _catalog()}
    if name not in claims:
        raise unknown_claim(name, list(claims))
    return claims[name]


def load_file(path: str | Path) -> list[Claim]:
    """Every claim defined at module level in the Python file ``path``, imported under a private name.

    A file that is missing, does not import, or defines no claim raises :class:`ClaimError` (one line).
    """
    path = Path(path)
    if not path.is_file():
        raise ClaimError(f"{path}: no such file")
    name = f"_circuitcomp_claims_{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ClaimError(f"{path}: cannot be imported as Python (name it FILE.py)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling in the file look their module up here
    try:
        spec.loader.exec_module(module)
    except ClaimError:
        raise
    except SyntaxError as exc:
        raise ClaimError(f"{path}: does not load: SyntaxError: {exc.msg} (line {exc.lineno})") from None
    except Exception as exc:  # noqa: BLE001 - whatever the user's file raises is one line
        first = (str(exc).strip().splitlines() or [""])[0]
        raise ClaimError(f"{path}: does not load: {type(exc).__name__}: {first}") from None
    finally:
        sys.modules.pop(name, None)
    claims = claims_in(module)
    if not claims:
        raise ClaimError(f"{path}: defines no claim (decorate a function with derivations.claims.claim)")
    ids = [c.id for c in claims]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ClaimError(f"{path}: claim id {', '.join(twice)} is defined twice")
    return claims
