"""What any :class:`theory.dynamics.Model` does in the long run, derived from its gradient flow.

The analysis works in one variable per solver coordinate: for a log coordinate u (the state depends on
it through exp(u) only, as log margins do) the variable is the circuit's *size* x = exp(u), whose flow
is x * du/dt and which may vanish (a circuit that is absent); any other coordinate is its own variable.
A variable whose flow vanishes identically where the variable does is a *circuit*, with a per-capita
growth rate (du/dt for a log coordinate). From the flow in these variables:

* fixed points, solved by SymPy for all solutions, in unconstrained real symbols so that no assumption
  hides the boundary points where a circuit is absent (when every variable is a circuit, one small system
  per set of circuits present); each with its Jacobian eigenvalues and the
  conditions on the parameters under which every eigenvalue's real part is negative (one condition per
  real eigenvalue, else the Routh-Hurwitz conditions), reduced under the symbols' assumptions;
* invasion rates: the per-capita growth rate of each absent circuit at each fixed point (its sign says
  whether the circuit can invade, hence which circuit wins);
* critical boundaries: an invasion rate = 0 solved for a chosen parameter (the unique-root guard of
  :func:`derivations.roots.unique_solution`);
* conserved quantities where a candidate verifies symbolically: a Lotka-Volterra first integral for each
  pair of log coordinates, a balance law c_i^2/rate_i - c_j^2/rate_j for each pair of other coordinates.

With parameter ``values``, a flow that SymPy cannot solve is solved numerically at those values instead: from
the end of a long run from the model's initial condition and from spread starts, with stability read off the
numeric eigenvalues (on the initial condition's level set where the flow conserves quantities of the variables).
Symbolic results go through the disk cache, keyed by the model's content.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache

import numpy as np
import sympy as sp

from derivations.cache import Derivations
from derivations.flow import coordinate_flow
from derivations.roots import unique_solution
from theory.dynamics import Model
from theory.symbols import t as time_symbol

SOLVE_SECONDS = 8.0  # CPU seconds: a system SymPy has not solved by then it will not solve in any useful time


class NotSolvedSymbolically(ValueError):
    """SymPy found no fixed point (``reason`` says how it failed); parameter values open the numeric route."""

    def __init__(self, model: Model, reason: str) -> None:
        super().__init__(f"model {model.name}: {reason}; given parameter values, "
                         "derivations.analysis.analyse(model, values) finds them numerically")
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class FixedPoint:
    """A fixed point: where it is (``location``: analysis variable -> value; ``state``: the model's state),
    the circuits absent there, the Jacobian eigenvalues and the conditions under which it is stable."""

    label: str
    location: dict[sp.Symbol, sp.Expr]
    state: dict[sp.Symbol, sp.Expr]
    absent: tuple[str, ...]
    eigenvalues: tuple[sp.Expr, ...]
    stable_when: tuple[sp.Basic, ...]


@dataclasses.dataclass(frozen=True)
class Invasion:
    """The per-capita growth rate of ``circuit``, absent at the fixed point labelled ``at``."""

    at: str
    circuit: str
    rate: sp.Expr


@dataclasses.dataclass(frozen=True)
class Boundary:
    """The value of a parameter at which ``circuit``'s invasion rate at fixed point ``at`` vanishes."""

    at: str
    circuit: str
    expr: sp.Expr


@dataclasses.dataclass(frozen=True)
class Analysis:
    """Everything :func:`analyse` derives for one model (``numeric``: fixed points found at given values)."""

    model: Model
    variables: tuple[sp.Symbol, ...]
    logarithmic: tuple[bool, ...]  # variable i is exp(coordinate i), else the coordinate itself
    flow: dict[sp.Symbol, sp.Expr]
    field: tuple[sp.Expr, ...]
    rates: dict[str, sp.Expr]
    fixed_points: tuple[FixedPoint, ...]
    invasion_rates: tuple[Invasion, ...]
    conserved: tuple[sp.Expr, ...]
    numeric: bool = False

    def point(self, label: str) -> FixedPoint:
        for fp in self.fixed_points:
            if fp.label == label:
                return fp
        raise KeyError(f"no fixed point labelled {label!r}; have {', '.join(p.label for p in self.fixed_points)}")


# --- the variables of the analysis -----------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _Frame:
    coordinates: tuple[sp.Symbol, ...]
    variables: tuple[sp.Symbol, ...]
    to_variables: dict[sp.Expr, sp.Symbol]  # exp(u) -> x for log coordinates, u -> v otherwise
    logarithmic: tuple[bool, ...]
    field: tuple[sp.Expr, ...]
    rates: dict[int, sp.Expr]  # variable index -> per-capita growth rate


def _is_logarithmic(model: Model, u: sp.Symbol, flow: tuple[sp.Expr, ...], x: sp.Symbol) -> bool:
    """Whether the model depends on ``u`` through exp(u) alone (then exp(u) is a size that may vanish)."""
    exprs = (*model.to_state, *flow)
    return any(u in e.free_symbols for e in model.to_state) and all(
        u not in sp.sympify(e).subs(sp.exp(u), x).free_symbols for e in exprs)


@cache
def _frame(model: Model) -> _Frame:
    flow = coordinate_flow(model)
    variables, subs, logarithmic, field, rates = [], {}, [], [], {}
    for u in model.coordinates:
        size = sp.Symbol(f"exp_{u.name}", real=True)
        log = _is_logarithmic(model, u, flow, size)
        # Solve in unconstrained symbols: an assumption such as positive=True would hide zero solutions.
        variables.append(size if log else sp.Symbol(f"{u.name}_free", real=True))
        subs[sp.exp(u) if log else u] = variables[-1]
        logarithmic.append(log)
    for i, e in enumerate(flow):
        e = sp.expand(e.subs(subs))
        v = variables[i]
        if logarithmic[i]:
            rates[i] = e
            field.append(v * e)
        else:
            field.append(e)
            if sp.simplify(e.subs(v, 0)) == 0:
                rates[i] = sp.cancel(e / v)
    return _Frame(tuple(model.coordinates), tuple(variables), subs, tuple(logarithmic), tuple(field), rates)


def _circuit_names(model: Model) -> tuple[str, ...]:
    """A circuit is named after the state variable its coordinate stands for."""
    return tuple(s.name for s in model.state)


# --- time limits on SymPy ------------------------------------------------------------------------------------
class _Timeout(Exception):
    pass


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt SymPy after ``seconds`` of CPU time (so a busy machine does not change the outcome). Only the
    main thread can install a signal handler: in a worker thread (joblib's threading backend, a server), or
    where the platform has no profiling timer, SymPy runs without a limit."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(*_: object) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


# --- stability conditions ------------------------------------------------------------------------------------
def _balanced(rest: sp.Expr, positive: bool) -> sp.Basic:
    """``rest > 0`` (or ``< 0``) written with positive-coefficient terms on either side: c_g < D c_m."""
    terms = sp.Add.make_args(rest)
    minus = sp.Add(*[-a for a in terms if a.could_extract_minus_sign()])
    plus = sp.Add(*[a for a in terms if not a.could_extract_minus_sign()])
    return sp.Lt(minus, plus) if positive else sp.Lt(plus, minus)


def sign_conditions(expr: sp.Expr, positive: bool) -> list[sp.Basic]:
    """Conditions on the parameters equivalent to ``expr > 0`` (``positive``) or ``expr < 0``, with every
    factor whose sign the symbols' assumptions decide dropped or turned into its own condition."""
    coeff, factors = sp.factor(expr).as_coeff_mul()
    want = positive if coeff >= 0 else not positive
    if coeff == 0:
        return [sp.false]
    conditions, rest = [], sp.Integer(1)
    for f in factors:
        if f.is_positive:
            continue
        if f.is_negative:
            want = not want
        elif f.is_Pow and f.exp.is_even and f.base.is_real:
            conditions.append(sp.Ne(f.base, 0))
        elif f.is_nonnegative:
            conditions.append(sp.Gt(f, 0))
        elif f.is_nonpositive:
            want = not want
            conditions.append(sp.Lt(f, 0))
        else:
            rest *= f
    if rest != 1:
        conditions.append(_balanced(rest, want) if rest.is_Add else (sp.Gt(rest, 0) if want else sp.Lt(rest, 0)))
    elif not want:
        return [sp.false]
    if any(c == sp.false for c in conditions):
        return [sp.false]
    return list(dict.fromkeys(c for c in conditions if c != sp.true))


def _surely_real(e: sp.Expr) -> bool:
    if e.is_real:
        return True
    if e.has(sp.I) or e.is_real is False:
        return False
    # No root of something that might be negative: then real symbols give a real value.
    return all(p.exp.is_integer or p.base.is_nonnegative for p in e.atoms(sp.Pow))


def _hurwitz_conditions(jacobian: sp.Matrix) -> list[sp.Basic]:
    """Every eigenvalue has a negative real part iff (Lienard-Chipart, the Routh-Hurwitz criterion with half the
    determinants) the characteristic polynomial's coefficients a_n, a_(n-2), ... and the Hurwitz determinants
    D_(n-1), D_(n-3), ... are all positive."""
    coeffs = jacobian.charpoly().all_coeffs()  # leading coefficient 1
    n = len(coeffs) - 1

    def a(k: int) -> sp.Expr:
        return coeffs[k] if 0 <= k <= n else sp.Integer(0)

    hurwitz = sp.Matrix(n, n, lambda i, j: a(2 * (j + 1) - (i + 1)))
    positive = [a(k) for k in range(n, 0, -2)] + [hurwitz[:k, :k].det() for k in range(n - 1, 0, -2)]
    return list(dict.fromkeys(c for e in positive for c in sign_conditions(sp.factor(e), positive=True)))


def stability_conditions(jacobian: sp.Matrix, eigenvalues: tuple[sp.Expr, ...] | None) -> list[sp.Basic]:
    """Conditions for every eigenvalue's real part to be negative."""
    if eigenvalues is not None and len(eigenvalues) == jacobian.shape[0] and all(map(_surely_real, eigenvalues)):
        conditions = [c for e in eigenvalues for c in sign_conditions(e, positive=False)]
    else:
        conditions = _hurwitz_conditions(jacobian)
    if sp.false in conditions:
        return [sp.false]
    return list(dict.fromkeys(conditions))


def _peel(jacobian: sp.Matrix) -> tuple[list[sp.Expr], sp.Matrix]:
    """Eigenvalues read off the diagonal where a row or column is zero off it (an absent circuit's row: its
    invasion rate), and the block that remains."""
    keep, peeled = list(range(jacobian.shape[0])), []
    while True:
        single = next((i for i in keep if all(jacobian[i, j] == 0 for j in keep if j != i)
                       or all(jacobian[j, i] == 0 for j in keep if j != i)), None)
        if single is None:
            return peeled, jacobian.extract(keep, keep)
        peeled.append(jacobian[single, single])
        keep.remove(single)


def spectrum(jacobian: sp.Matrix) -> tuple[tuple[sp.Expr, ...], tuple[sp.Basic, ...]]:
    """Eigenvalues (empty if SymPy cannot find them all) and stability conditions of a fixed point's Jacobian.
    The diagonal entries peeled off are real eigenvalues, each with its own condition; the remaining block
    gets its eigenvalues' conditions, or the Routh-Hurwitz ones."""
    peeled, rest = _peel(jacobian)
    rest_eigen = _eigen(rest) if rest.shape[0] else ()
    conditions = [c for e in peeled for c in sign_conditions(sp.factor(e), positive=False)]
    if rest.shape[0]:
        conditions += stability_conditions(rest, rest_eigen)
    conditions = [sp.false] if sp.false in conditions else list(dict.fromkeys(conditions))
    eigenvalues = () if rest_eigen is None else (*(sp.factor(e) for e in peeled), *rest_eigen)
    return eigenvalues, tuple(conditions)


# --- fixed points ---------------------------------------------------------------------------------------------
def _labels(frame: _Frame, names: tuple[str, ...], locations: list[tuple[sp.Expr, ...]]) -> list[str]:
    labels = []
    for loc in locations:
        present = [names[i] for i in frame.rates if loc[i] != 0]
        label = "+".join(present) if present else ("origin" if frame.rates else "fixed point")
        count = sum(1 for other in labels if other.split(" #")[0] == label)
        labels.append(label if count == 0 else f"{label} #{count + 1}")
    return labels


def _feasible(frame: _Frame, location: tuple[sp.Expr, ...]) -> bool:
    """Not provably outside the state space: real, and no circuit size provably negative."""
    return not any(v.is_real is False or (log and v.is_negative) for v, log in zip(location, frame.logarithmic))


def _by_support(frame: _Frame) -> list[dict[sp.Symbol, sp.Expr]]:
    """Every variable a circuit (x_i r_i(x)): for each set S of circuits present, the others set to 0 and
    r_i = 0 solved for the x_i in S. Small systems (linear for Lotka-Volterra rates) instead of one large
    polynomial system; a support whose equations leave a variable free (a knife edge such as D = D_crit) or
    put a present circuit at 0 (a smaller support's point) contributes nothing."""
    n = len(frame.variables)
    found = []
    for k in range(n + 1):
        for support in itertools.combinations(range(n), k):
            absent = {frame.variables[j]: 0 for j in range(n) if j not in support}
            unknowns = [frame.variables[i] for i in support]
            if not unknowns:
                found.append(absent)
                continue
            equations = [frame.rates[i].subs(absent) for i in support]
            for sol in sp.solve(equations, unknowns, dict=True):
                if all(v in sol and sol[v] != 0 for v in unknowns):
                    found.append({**absent, **sol})
    return found


def _solve_symbolic(frame: _Frame) -> list[tuple[sp.Expr, ...]]:
    with _time_limit(SOLVE_SECONDS):
        if len(frame.rates) == len(frame.variables):
            solutions = _by_support(frame)
        else:
            solutions = sp.solve(list(frame.field), list(frame.variables), dict=True)
    locations = [tuple(sp.simplify(s.get(v, v)) for v in frame.variables) for s in solutions]
    return [loc for loc in locations if _feasible(frame, loc)]


def _eigen(jacobian: sp.Matrix) -> tuple[sp.Expr, ...] | None:
    try:
        with _time_limit(SOLVE_SECONDS):
            return tuple(sp.factor(e) for e in jacobian.eigenvals(multiple=True))
    except (_Timeout, sp.MatrixError, NotImplementedError):
        return None


def _symbolic(model: Model) -> dict:
    """The symbolic part of the analysis as a JSON-storable tree (see :mod:`derivations.cache`)."""
    frame = _frame(model)
    conserved = _conserved(model, frame)
    try:
        locations = _solve_symbolic(frame)
    except _Timeout:
        return {"failed": f"SymPy did not solve the fixed-point equations within {SOLVE_SECONDS:g} s",
                "conserved": conserved}
    except NotImplementedError:
        return {"failed": "SymPy cannot solve the fixed-point equations", "conserved": conserved}
    if not locations:
        return {"failed": "SymPy found no fixed point", "conserved": conserved}
    jacobian = sp.Matrix(frame.field).jacobian(frame.variables)
    points = []
    for loc in locations:
        at = sp.Matrix(jacobian.subs(dict(zip(frame.variables, loc)))).applyfunc(sp.factor)
        points.append((loc, *spectrum(at)))
    return {"points": points, "conserved": conserved}


# --- conserved quantities -------------------------------------------------------------------------------------
def _rate_of_change(model: Model, frame: _Frame, quantity: sp.Expr) -> sp.Expr:
    """d quantity/dt along the flow, in the analysis variables."""
    flow = coordinate_flow(model)
    total = sp.diff(quantity, time_symbol) + sum(sp.diff(quantity, u) * e for u, e in zip(frame.coordinates, flow))
    return sp.cancel(sp.expand(total.subs(frame.to_variables)))


def _candidates(model: Model, frame: _Frame) -> Iterator[sp.Expr]:
    pairs = itertools.combinations(range(len(frame.variables)), 2)
    for i, j in pairs:
        u_i, u_j = frame.coordinates[i], frame.coordinates[j]
        if frame.logarithmic[i] and frame.logarithmic[j]:
            # ln x_j - k ln x_i drifts at a constant speed when both log-rates are affine in one shared quantity.
            r_i, r_j = frame.rates[i], frame.rates[j]
            slopes = [(sp.diff(r_i, v), sp.diff(r_j, v)) for v in frame.variables if sp.diff(r_i, v) != 0]
            if not slopes:
                continue
            k = sp.cancel(slopes[0][1] / slopes[0][0])
            drift = sp.expand(r_j - k * r_i)
            if not (k.free_symbols | drift.free_symbols) & set(frame.variables):
                yield u_j - k * u_i - drift * time_symbol
        elif not (frame.logarithmic[i] or frame.logarithmic[j]):
            yield u_i**2 / model.rates[i] - u_j**2 / model.rates[j]


def _conserved(model: Model, frame: _Frame) -> list[sp.Expr]:
    found = []
    for candidate in _candidates(model, frame):
        try:
            with _time_limit(SOLVE_SECONDS):
                if _rate_of_change(model, frame, candidate) == 0:
                    found.append(candidate)
        except _Timeout:
            continue
    return found


# --- the cache ------------------------------------------------------------------------------------------------
_store = Derivations(__name__)


def _key(model: Model) -> str:
    """A model's content (not its name): a user editing the file gets a fresh analysis."""
    parts = (model.state, model.params, model.objective, model.rates, model.coordinates, model.to_state,
             tuple(sorted(model.intermediates.items(), key=str)))
    return f"{model.name}-{hashlib.sha256(sp.srepr(parts).encode()).hexdigest()[:16]}"


@cache
def _symbolic_cached(model: Model) -> dict:
    tree = _store(_key(model), lambda: _symbolic(model))
    _store.save()
    return tree


# --- numeric fallback -----------------------------------------------------------------------------------------
SETTLE_SCALES = 1e12  # a run from the initial condition lasts this many of the flow's initial time scales
SETTLE_SECONDS = 1.0  # and is given up (as a start only) beyond this


def _settled(model: Model, frame: _Frame, values: Mapping[str, float] | None, jac, start: np.ndarray
             ) -> np.ndarray | None:
    """Where a long run from the model's initial condition (``start``, in the analysis variables) ends: the
    start nearest the fixed point the model actually reaches. None if the run cannot be completed (it
    diverges, leaves the model's domain, or takes too long)."""
    from derivations.simulate import simulate

    with np.errstate(all="ignore"):
        scale = np.max(np.abs(np.asarray(jac(*start), dtype=float)))
    horizon = SETTLE_SCALES / (scale if np.isfinite(scale) and scale > 0 else 1.0)
    try:
        run = simulate(model, horizon, values, n_points=3, max_seconds=SETTLE_SECONDS)
    except ValueError:
        return None
    end = run.u[:, -1]
    return np.where(frame.logarithmic, np.exp(end), end)


def _restricted(equations, n: int, free: list[int], laws=None, levels: np.ndarray | None = None):
    """The ``equations`` ``free`` as a function of those variables, the others held at 0; then, if given, the
    conservation ``laws``' departures from their ``levels``."""

    def residual(z: np.ndarray) -> np.ndarray:
        x = np.zeros(n)
        x[free] = z
        out = np.asarray(equations(*x), dtype=float)[free]
        return out if laws is None else np.concatenate([out, np.asarray(laws(*x), dtype=float) - levels])

    return residual


def _spectrum_at(jac, normals, x: np.ndarray, n: int) -> tuple[tuple, tuple] | None:
    """Numeric eigenvalues and stability at ``x`` (None where the flow is not differentiable).

    A conserved quantity's gradient is a left null vector of the Jacobian at every fixed point (differentiate
    grad C . F = 0): as many eigenvalues as independent ``normals`` vanish, across the level sets, and are set
    to exactly 0; the point is stable on its level set when every other eigenvalue has a negative real part."""
    with np.errstate(all="ignore"):
        at = np.asarray(jac(*x), dtype=float).reshape(n, n)
    if not np.all(np.isfinite(at)):
        return None
    eigen = np.linalg.eigvals(at)
    across = np.zeros(n, dtype=bool)
    if normals is not None:
        across[np.argsort(np.abs(eigen))[:np.linalg.matrix_rank(np.asarray(normals(*x), float).reshape(-1, n))]] = True
        eigen[across] = 0
    stable = bool(np.all(eigen.real[~across] < 0))
    return (tuple(sp.Float(e.real) if abs(e.imag) < 1e-14 else sp.sympify(complex(e)) for e in eigen),
            (sp.true if stable else sp.false,))


def _numeric_points(model: Model, frame: _Frame, values: Mapping[str, float] | None,
                    params: dict[sp.Symbol, float], conserved: list[sp.Expr]) -> list[tuple]:
    """Fixed points at the given parameter values: for every set of absent circuits, the others solved by scipy
    from several starts (the end of a long run from the model's initial condition, +-1 and log-spread seeds of
    either sign); duplicates merged, circuit sizes within rounding of 0 set to 0. A present circuit must have a
    vanishing per-capita rate, not merely a small size (a circuit still dying out at the end of the run).

    A flow with conserved quantities in the analysis variables (the balance law of a product of weights) has
    its fixed points on curves, one point per level set: they are sought on the level set of the model's
    initial condition (the conservation laws appended to the equations, solved by least squares), where they
    are isolated and the run from the initial condition stays."""
    from scipy.optimize import root

    from derivations.compile import compile_expr, compile_model
    from derivations.simulate import resolve_values

    field = [e.subs(params) for e in frame.field]
    f = compile_expr(frame.variables, field)
    jac = compile_expr(frame.variables, sp.ImmutableMatrix(sp.Matrix(field).jacobian(frame.variables)))
    n = len(frame.variables)
    circuits = list(frame.rates)
    equations = compile_expr(frame.variables, [frame.rates[i].subs(params) if i in frame.rates else field[i]
                                               for i in range(n)])
    u0 = compile_model(model).initial_state(resolve_values(model, values))
    initial = np.where(frame.logarithmic, np.exp(u0), u0)
    # Laws of the variables alone: not of time, nor of a log coordinate (-inf where its circuit is absent).
    laws = [c for c in (sp.sympify(c).subs(frame.to_variables).subs(params) for c in conserved)
            if c.free_symbols <= set(frame.variables)]
    law = normals = levels = None
    if laws:
        law = compile_expr(frame.variables, laws)
        normals = compile_expr(frame.variables, sp.ImmutableMatrix(sp.Matrix(laws).jacobian(frame.variables)))
        levels = np.asarray(law(*initial), dtype=float)
    rng = np.random.default_rng(0)
    # Sizes are >= 0; other variables may have either sign.
    signs = np.where(frame.logarithmic, 1.0, rng.choice([-1.0, 1.0], size=(8, n)))
    settled = _settled(model, frame, values, jac, initial)
    starts = [*([] if settled is None else [settled]), np.ones(n), np.where(frame.logarithmic, 1.0, -1.0),
              *(signs * 10.0 ** rng.uniform(-3, 1, size=(8, n)))]
    found: list[np.ndarray] = []
    for k in range(len(circuits) + 1):
        for absent in itertools.combinations(circuits, k):
            free = [i for i in range(n) if i not in absent]
            residual = _restricted(equations, n, free, law, levels)
            for start in starts:
                with np.errstate(all="ignore"):
                    sol = root(residual, start[free], method="lm" if laws else "hybr") if free else None
                x = np.zeros(n)
                if sol is not None:
                    if not sol.success or not np.all(np.isfinite(sol.x)):
                        continue
                    x[free] = sol.x
                scale = 1 + np.abs(x).max()
                x[[i for i in circuits if abs(x[i]) < 1e-12 * scale]] = 0
                present = [i for i in range(n) if i not in frame.rates or x[i] != 0]
                with np.errstate(all="ignore"):
                    off = max(np.abs(np.asarray(f(*x), float)).max(),
                              np.abs(np.asarray(equations(*x), float)[present]).max(initial=0)) / scale
                    if laws:
                        off = max(off, np.abs(np.asarray(law(*x), float) - levels).max() / (1 + np.abs(levels).max()))
                if not off <= 1e-9:  # also a NaN
                    continue
                if any(x[i] < 0 for i in range(n) if frame.logarithmic[i]):
                    continue
                if not any(np.allclose(x, y, rtol=1e-6, atol=1e-12) for y in found):
                    found.append(x)
    points = []
    for x in found:
        spectrum_at = _spectrum_at(jac, normals, x, n)
        if spectrum_at is not None:
            points.append((tuple(sp.Float(v) if v else sp.Integer(0) for v in x), *spectrum_at))
    return points


# --- the analysis ---------------------------------------------------------------------------------------------
_ANALYSES: dict[str, Analysis] = {}  # symbolic analyses in this process, by model content


def analyse(model: Model, values: Mapping[str, float] | None = None) -> Analysis:
    """The fixed points, their stability, invasion rates and conserved quantities of ``model``'s flow.

    Solved symbolically where SymPy can; otherwise, if parameter ``values`` are given (by name; defaults
    from the model), numerically at those values; otherwise :class:`NotSolvedSymbolically` (a ``ValueError``).
    Given ``values`` are checked against their domains either way.
    """
    if values:
        from derivations.simulate import checked_values

        checked_values(model, values)
    key = _key(model)
    if key in _ANALYSES:  # the same model loaded again (a file read twice): nothing to redo
        return dataclasses.replace(_ANALYSES[key], model=model)
    result = _analyse(model, values)
    if not result.numeric:
        _ANALYSES[key] = result
    return result


def _analyse(model: Model, values: Mapping[str, float] | None) -> Analysis:
    frame = _frame(model)
    tree = _symbolic_cached(model)
    numeric = "failed" in tree
    if numeric and values is None:
        raise NotSolvedSymbolically(model, tree["failed"])
    params = {}
    if numeric:
        from derivations.simulate import resolve_values

        resolved = resolve_values(model, values)
        params = {s: resolved[s] for s in model.params}
    points = (_numeric_points(model, frame, values, params, tree.get("conserved", ())) if numeric
              else tree["points"])
    if not points:
        raise ValueError(f"model {model.name}: no fixed point found at the given values")
    names = _circuit_names(model)
    labels = _labels(frame, names, [p[0] for p in points])
    to_state = [sp.sympify(e).subs(frame.to_variables).subs(params) for e in model.to_state]
    fixed, invasions = [], []
    for label, (loc, eigenvalues, stable) in zip(labels, points):
        location = dict(zip(frame.variables, loc))
        absent = tuple(names[i] for i in frame.rates if loc[i] == 0)
        state = {s: _state_value(e, location) for s, e in zip(model.state, to_state)}
        fixed.append(FixedPoint(label, location, state, absent, tuple(eigenvalues), tuple(stable)))
        for i in frame.rates:
            if loc[i] == 0:
                invasions.append(Invasion(label, names[i], sp.factor(frame.rates[i].subs(location).subs(params))))
    return Analysis(
        model=model, variables=frame.variables, logarithmic=frame.logarithmic,
        flow=dict(zip(model.coordinates, coordinate_flow(model))),
        field=frame.field, rates={names[i]: r for i, r in frame.rates.items()}, fixed_points=tuple(fixed),
        invasion_rates=tuple(invasions), conserved=tuple(tree.get("conserved", ())), numeric=numeric,
    )


def _state_value(expr: sp.Expr, location: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    value = expr.subs(location)
    return value if value.is_Float else sp.simplify(value)


def critical_boundaries(analysis: Analysis, symbol: sp.Symbol, at: str | None = None,
                        circuit: str | None = None) -> list[Boundary]:
    """Every distinct value of ``symbol`` at which an invasion rate vanishes, at the fixed points where some
    circuit is present (at the origin the rates decide whether training starts, not who wins); ``at`` and
    ``circuit`` keep only the rates at that fixed point (label) or of that circuit. A rate with more than
    one zero in ``symbol``'s domain raises ``ValueError`` listing them."""
    found: list[Boundary] = []
    for inv in analysis.invasion_rates:
        if inv.at.startswith("origin") or symbol not in inv.rate.free_symbols:
            continue
        if at not in (None, inv.at) or circuit not in (None, inv.circuit):
            continue
        try:
            root = unique_solution(inv.rate, symbol)
        except ArithmeticError:
            # Roots SymPy proves outside the symbol's domain (complex, or not positive for a positive symbol) do
            # not count; any other second root makes the boundary ambiguous.
            roots = [r for r in sp.solve(inv.rate, symbol)
                     if r.is_real is not False and not (symbol.is_positive and r.is_positive is False)]
            if not roots:
                continue
            if len(roots) > 1:
                raise ValueError(f"the invasion rate of {inv.circuit} at {inv.at} vanishes at several values of "
                                 f"{symbol}: {', '.join(map(str, roots))}") from None
            root = roots[0]
        if not any(sp.simplify(root - b.expr) == 0 for b in found):
            found.append(Boundary(inv.at, inv.circuit, root))
    return found


def critical_value(analysis: Analysis, symbol: sp.Symbol, at: str | None = None, circuit: str | None = None
                   ) -> sp.Expr:
    """The one value of ``symbol`` at which the winner changes (see :func:`critical_boundaries`, whose
    filters ``at`` and ``circuit`` it takes); ``ValueError`` if there is none or more than one."""
    found = critical_boundaries(analysis, symbol, at, circuit)
    if not found:
        raise ValueError(f"no invasion rate of model {analysis.model.name} vanishes at a value of {symbol}")
    if len(found) > 1:
        listed = "; ".join(f"{b.expr} ({b.circuit} at {b.at})" for b in found)
        raise ValueError(f"{symbol} has several critical values: {listed}")
    return found[0].expr
