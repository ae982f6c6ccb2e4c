"""A model from a user's file: ``FILE.py`` or ``FILE.py:NAME``, and ``circuitcomp simulate FILE.py[:NAME]``.

The file is imported as a module under a private name, so neither its file name nor its symbol names
can replace one of the package's modules. Its :class:`theory.dynamics.Model` instances at module level
are collected; NAME picks one by variable name or by ``Model.name``, and without NAME the file must
define exactly one. Every failure is a ``ValueError`` of one line.

A symbol the file creates with the name and assumptions of one of the package's declared symbols is, to
SymPy, that same symbol; the loader records which models are the file's own (not the package's, imported
into it), so that their parameters' domains come from the assumptions alone (:func:`from_user_file`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import re
import sys
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path

from theory.dynamics import Model

DEFAULT_HORIZON = 1e4
_EVENT = re.compile(r"^([^=]+)=([^<>]+)([<>])(.+)$")
_PACKAGES = ("theory", "derivations", "figures")
_FROM_FILES: weakref.WeakSet[Model] = weakref.WeakSet()


def from_user_file(model: Model) -> bool:
    """Whether ``model`` was defined in a file loaded by :func:`load_model` (not one of the package's models)."""
    return model in _FROM_FILES


def _package_models() -> set[int]:
    """The ids of the models the package's loaded modules define (a file may import and re-export one)."""
    return {id(value) for name, module in list(sys.modules.items()) if name.partition(".")[0] in _PACKAGES
            for value in list(getattr(module, "__dict__", {}).values()) if isinstance(value, Model)}


def is_model_file(spec: str | None) -> bool:
    """Whether a command-line NAME means a user's file: it ends in ``.py`` or contains ``.py:``."""
    return spec is not None and (spec.endswith(".py") or ".py:" in spec)


def _split(spec: str) -> tuple[Path, str | None]:
    if ".py:" in spec:
        path, _, name = spec.rpartition(".py:")
        return Path(path + ".py"), name or None
    return Path(spec), None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _import(path: Path) -> dict[str, object]:
    if not path.is_file():
        raise ValueError(f"model file {str(path)!r} does not exist")
    name = "_circuitcomp_user_" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ValueError(f"model file {str(path)!r} cannot be imported as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name while it runs
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # whatever the file raises is the user's error, reported in one line
        sys.modules.pop(name, None)
        raise ValueError(f"model file {str(path)!r} does not load: {_first_line(exc)}") from None
    return vars(module)


def load_model(spec: str) -> Model:
    """The model that ``FILE.py`` defines (the only one) or ``FILE.py:NAME`` names."""
    path, wanted = _split(spec)
    namespace = _import(path)
    models: dict[str, Model] = {}
    for key, value in namespace.items():
        if isinstance(value, Model) and not key.startswith("_") and value not in models.values():
            models[key] = value
    if not models:
        raise ValueError(f"model file {str(path)!r} defines no theory.dynamics.Model at module level")
    _FROM_FILES.update(model for model in models.values() if id(model) not in _package_models())
    if wanted is None:
        if len(models) > 1:
            raise ValueError(f"model file {str(path)!r} defines several models ({', '.join(models)}): "
                             f"choose one with {path}:NAME")
        return next(iter(models.values()))
    for key, model in models.items():
        if wanted in (key, model.name):
            return model
    raise ValueError(f"model file {str(path)!r} has no model {wanted!r}; it defines {', '.join(models)}")


def parse_event(text: str) -> tuple[str, str, float, int]:
    """``NAME=observable>threshold`` (or ``<``) as (name, observable, threshold, direction)."""
    match = _EVENT.match(text.replace(" ", ""))
    if match is None:
        raise ValueError(f"--event must look like NAME=observable>threshold or NAME=observable<threshold, "
                         f"got {text!r}")
    name, observable, sign, raw = match.groups()
    try:
        threshold = float(raw)
    except ValueError:
        raise ValueError(f"--event {name}: threshold must be a number, got {raw!r}") from None
    if not math.isfinite(threshold):
        raise ValueError(f"--event {name}: threshold must be finite, got {raw!r}")
    return name, observable, threshold, 1 if sign == ">" else -1


def simulate_file(spec: str, params: Mapping[str, str], events: Sequence[str] = (),
                  out: str | None = None) -> dict:
    """Simulate the model of a user's file: ``params`` are its parameters by name (defaults from the model)
    and ``horizon``; ``events`` are ``NAME=observable>threshold``. Returns the final value of every
    observable, the event times (None: never) and the settings; ``out`` receives the trajectory."""
    from derivations.evaluate import check_domain
    from derivations.simulate import Event, check_output_path, simulate
    from theory.symbols import POSITIVE

    if out is not None:
        check_output_path(out)
    model = load_model(spec)
    given = dict(params)
    horizon = float(check_domain("horizon", given.pop("horizon", DEFAULT_HORIZON), POSITIVE,
                                 "time span of the run, in the model's time units"))
    parsed = {}
    for text in events:
        name, observable, threshold, direction = parse_event(text)
        if observable not in model.observables:
            raise ValueError(f"--event {name}: unknown observable {observable!r}; the model has "
                             f"{', '.join(model.observables)}")
        if name in parsed:
            raise ValueError(f"--event {name} given twice")
        parsed[name] = Event(observable, threshold, direction)
    trajectory = simulate(model, horizon, given, events=parsed)
    if out is not None:
        try:
            trajectory.write(out)
        except OSError as exc:  # the folder changed during the run
            raise ValueError(f"out: cannot write {out!r}: {exc.strerror or exc}") from None
    return {
        "model": model.name,
        "final": {name: trajectory.final(name) for name in model.observables},
        "events": trajectory.events,
        "settings": {**trajectory.values, "horizon": horizon},
    }
