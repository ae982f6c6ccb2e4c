"""Named simulation experiments behind ``circuitcomp simulate NAME key=value ...``.

An experiment declares its parameters (default, domain, meaning) and a ``run`` that returns a
JSON-ready dict. Modules register experiments on import; :func:`get_experiment` loads them all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from theory.registry import load_all, load_family
from theory.symbols import Domain


@dataclass(frozen=True)
class Setting:
    """One experiment parameter: default (None = optional, absent), domain and meaning.

    A setting with ``choices`` takes one of those words instead of a number (its domain is unused).
    ``also`` lists single numbers admitted besides the domain (weight decay 0 beside a range that starts
    where the simulation can resolve it).
    """

    default: float | str | None
    domain: Domain | None
    description: str
    choices: tuple[str, ...] = ()
    also: tuple[float, ...] = ()

    def accepts(self) -> str:
        if self.choices:
            return "|".join(self.choices)
        return " or ".join([*(f"{v:g}" for v in self.also), str(self.domain)])


@dataclass(frozen=True)
class Experiment:
    """``run(values)`` returns a JSON-ready dict; with ``trajectory`` it also holds a ``Trajectory`` to write."""

    name: str
    description: str
    settings: Mapping[str, Setting]
    run: Callable[[dict[str, float | str]], dict]
    trajectory: bool = False

    def resolve(self, given: Mapping[str, object]) -> dict[str, float | str]:
        """Defaults updated by ``given``; a ``ValueError`` names any unknown or out-of-domain key."""
        unknown = sorted(set(given) - set(self.settings))
        if unknown:
            raise ValueError(
                f"simulate {self.name}: unknown parameter(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(self.settings))}"
            )
        values: dict[str, float] = {}
        for key, setting in self.settings.items():
            raw = given.get(key, setting.default)
            if raw is None:
                continue
            if setting.choices:
                if raw not in setting.choices:
                    raise ValueError(f"{key} must be one of {setting.accepts()} ({setting.description}), got {raw!r}")
                values[key] = raw
                continue
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise ValueError(f"{key} must be a number in {setting.accepts()}, got {raw!r}") from None
            if not (setting.domain.contains(value) or value in setting.also):
                raise ValueError(f"{key} must be {'' if setting.also else 'in '}{setting.accepts()} "
                                 f"({setting.description}), got {raw}")
            values[key] = value
        return values

    def __call__(self, **given: object) -> dict:
        return self.run(self.resolve(given))


_EXPERIMENTS: dict[str, Experiment] = {}


def experiment(name: str, description: str, settings: Mapping[str, Setting], *, trajectory: bool = False) -> Callable:
    """Decorator registering ``run(values) -> dict`` as the experiment ``name`` (``trajectory``: it can write one)."""

    def wrap(run: Callable[[dict[str, float | str]], dict]) -> Callable[[dict[str, float | str]], dict]:
        if name in _EXPERIMENTS:
            raise ValueError(f"experiment {name!r} is registered twice")
        _EXPERIMENTS[name] = Experiment(name, description, dict(settings), run, trajectory)
        return run

    return wrap


def get_experiment(name: str) -> Experiment:
    if name not in _EXPERIMENTS:
        load_family(name.replace("-", "_"))
    if name not in _EXPERIMENTS:
        load_all()
    try:
        return _EXPERIMENTS[name]
    except KeyError:
        raise KeyError(f"unknown experiment {name!r}; known: {', '.join(sorted(_EXPERIMENTS))}") from None


def experiments() -> list[Experiment]:
    load_all()
    return [_EXPERIMENTS[k] for k in sorted(_EXPERIMENTS)]
