"""Double-descent formulas that need a numeric step, registered as SymPy expressions all the same.

Two quantities have no closed form, so each enters its formula as a SymPy function node whose NumPy
implementation (``_imp_``, picked up by ``lambdify``) does the numeric step; everything around the
node stays symbolic, and ``evaluate`` / ``circuitcomp eval`` work as for any formula:

* an average over the Marchenko-Pastur law (Advani-Saxe gradient flow): Gauss-Legendre quadrature in
  the angle s = s- + (s+ - s-) sin^2(theta/2), which absorbs the square-root edges of the density;
* Mei-Montanari's chi = nu1 nu2 for lam > 0: the root of the scalar equation of
  :mod:`derivations.double_descent.forms` by bisection on the interval where the fixed point's
  u_j = -i nu_j are positive (the branch continued from large Im xi); at lam = 0 the derived
  ridgeless root is used directly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import sympy as sp

from derivations.compile import compile_expr
from derivations.double_descent.forms import (
    ADVANI_SAXE_SOURCE,
    MEI_MONTANARI_SOURCE,
    chi_c,
    chi_residual,
    mode_error,
    mode_training_error,
    relu_mu_star2,
    relu_zeta,
    ridgeless_c,
    y_im,
)
from derivations.simulate import simulate
from theory.double_descent import (
    MODE_FLOW,
    F1sq,
    Fstar2,
    alpha,
    chi,
    eig,
    lam_rf,
    mp_atom,
    mp_density,
    mp_edges,
    psi1,
    psi2,
    random_features_risk_in_chi,
    rf_E0,
    rf_E1,
    rf_E2,
    sigma_eps_2,
    sigma_w0_2,
    sigma_wbar_2,
    t,
    tau2,
    zeta,
)
from theory.registry import Derivation, register

_theta = sp.Symbol("theta", positive=True)


def _graded_nodes(panels: int = 24, per_panel: int = 25, finest: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes on theta in [0, pi], on panels graded geometrically towards theta = 0.

    Near alpha = 1 (small lower edge s-) and at long times the integrand has a boundary layer at the
    lower edge of width ~ sqrt(s-) or ~ 1/sqrt(t) in theta; geometric panels resolve every such scale.
    """
    edges = np.concatenate([[0.0], np.geomspace(finest, np.pi, panels)])
    x, w = np.polynomial.legendre.leggauss(per_panel)
    half = np.diff(edges)[:, None] / 2
    return ((edges[:-1, None] + half * (x + 1)).ravel(), (half * w).ravel())


_nodes, _weights = _graded_nodes()


# s = s- + (s+ - s-) sin^2(theta/2) makes every MP average smooth in theta (the density's square root becomes
# a sine) and keeps s - s- free of cancellation near the lower edge; the density carries ds/dtheta.
_s_of_theta = mp_edges[0] + (mp_edges[1] - mp_edges[0]) * sp.sin(_theta / 2) ** 2
_density_dtheta = mp_density.subs(eig, _s_of_theta) * sp.diff(_s_of_theta, _theta)


def mp_average(name: str, integrand: sp.Expr, params: Sequence[sp.Symbol], latex: str) -> type[sp.Function]:
    """A SymPy function ``name(alpha, *params)`` = integral of integrand(s) over the continuous MP part."""
    body = _density_dtheta * integrand.subs(eig, _s_of_theta)
    compiled = compile_expr((_theta, alpha, *params), body)

    def numeric(*values: object) -> np.ndarray:
        arrays = [np.asarray(v, dtype=float)[..., None] for v in values]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return np.sum(compiled(_nodes, *arrays) * _weights, axis=-1)

    def printed(self: sp.Function, printer: sp.printing.latex.LatexPrinter, exp: str | None = None) -> str:
        return latex if exp is None else rf"\left({latex}\right)^{{{exp}}}"

    return type(name, (sp.Function,), {"nargs": 1 + len(params), "_imp_": staticmethod(numeric), "_latex": printed})


def _mp_integral(integrand: sp.Expr, note: str) -> Derivation:
    """The record of an average over the Marchenko-Pastur law: the integral the quadrature evaluates."""
    return Derivation("integral", sp.Integral(mp_density * integrand, (eig, *mp_edges)),
                      note=f"per-mode solution of the moment ODE (sympy.dsolve) averaged by quadrature; {note}")


_flow_params = (t, sigma_w0_2, sigma_wbar_2, sigma_eps_2)
_initial_error = sigma_w0_2 + sigma_wbar_2
GradientFlowAverage = mp_average(
    "GradientFlowAverage", mode_error, _flow_params, r"\int \rho_\alpha(s)\, a_s(t)\, ds"
)
TrainingErrorAverage = mp_average(
    "TrainingErrorAverage", mode_training_error, _flow_params, r"\int \rho_\alpha(s)\, E_s(t)\, ds"
)
register(
    "double_descent.gradient_flow_risk",
    mp_atom * _initial_error + GradientFlowAverage(alpha, *_flow_params),
    [alpha, t, sigma_w0_2, sigma_wbar_2, sigma_eps_2],
    source=ADVANI_SAXE_SOURCE,
    description="generalization error minus the noise floor after gradient flow for time t from w(0) "
                "(frozen subspace (1 - alpha)_+ (sigma_w0^2 + sigma_wbar^2) plus the MP average of each mode)",
    derivation=_mp_integral(mode_error, "plus the frozen subspace's initial error"),
)
# The split of each mode's error: its initial error decays (bias), its fitted noise grows (variance).
_mode_bias = mode_error.subs(sigma_eps_2, 0)
_mode_variance = mode_error.subs({sigma_w0_2: 0, sigma_wbar_2: 0})
GradientFlowBiasAverage = mp_average("GradientFlowBiasAverage", _mode_bias, _flow_params,
                                     r"\int \rho_\alpha(s)\, a_s(t)|_{\sigma_\epsilon = 0}\, ds")
GradientFlowVarianceAverage = mp_average("GradientFlowVarianceAverage", _mode_variance, _flow_params,
                                         r"\int \rho_\alpha(s)\, a_s(t)|_{w(0) = \bar w}\, ds")
register(
    "double_descent.gradient_flow_bias",
    mp_atom * _initial_error + GradientFlowBiasAverage(alpha, *_flow_params),
    [alpha, t, sigma_w0_2, sigma_wbar_2, sigma_eps_2],
    source=ADVANI_SAXE_SOURCE,
    description="bias part of the gradient-flow risk: the initial error left in each mode plus the frozen subspace",
    derivation=_mp_integral(_mode_bias, "plus the frozen subspace's initial error"),
)
register(
    "double_descent.gradient_flow_variance",
    GradientFlowVarianceAverage(alpha, *_flow_params),
    [alpha, t, sigma_w0_2, sigma_wbar_2, sigma_eps_2],
    source=ADVANI_SAXE_SOURCE,
    description="variance part of the gradient-flow risk: label noise fitted so far; -> the ridgeless variance",
    derivation=_mp_integral(_mode_variance, "the label noise each mode has fitted"),
)
register(
    "double_descent.gradient_flow_training_error",
    TrainingErrorAverage(alpha, *_flow_params) / alpha + sigma_eps_2 * sp.Max(0, 1 - 1 / alpha),
    [alpha, t, sigma_w0_2, sigma_wbar_2, sigma_eps_2],
    source=ADVANI_SAXE_SOURCE,
    description="training mean squared error (noise included) after gradient flow for time t; "
                "-> sigma_eps^2 (1 - 1/alpha)_+ as t -> oo",
    derivation=_mp_integral(mode_training_error, "divided by alpha, plus the noise the model cannot fit"),
)


def gradient_flow_risk_by_modes(
    alpha_value: float, t_end: float, values: Mapping[str, float], nodes: int = 40, n_points: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """The gradient-flow risk by the ODE route: each eigenmode's flow integrated with the simulator.

    ``theory.double_descent.MODE_FLOW`` is integrated at ``nodes`` eigenvalues (midpoints in the angle of
    :func:`mp_average`) and averaged with the Marchenko-Pastur weights, plus the frozen subspace.
    ``values`` holds sigma_w0_2, sigma_wbar_2 and sigma_eps_2. Returns the simulator's output times and
    the risk there (noise floor excluded).
    """
    theta = (np.arange(nodes) + 0.5) * np.pi / nodes
    eigenvalues = np.broadcast_to(compile_expr((_theta, alpha), _s_of_theta)(theta, alpha_value), theta.shape)
    weight = compile_expr((_theta, alpha), _density_dtheta)(theta, alpha_value) * np.pi / nodes
    runs = [simulate(MODE_FLOW, t_end, {"s": float(s), **values}, n_points=n_points) for s in eigenvalues]
    continuous = weight @ np.array([run.observables["mode_error"] for run in runs])
    frozen = max(0.0, 1 - alpha_value) * (values["sigma_w0_2"] + values["sigma_wbar_2"])
    return runs[0].t, frozen + continuous


# --- Mei-Montanari chi ------------------------------------------------------------------------------------
_residual = compile_expr((chi_c, psi1, psi2, y_im), chi_residual.subs(zeta, relu_zeta))
_ridgeless = compile_expr((psi1, psi2), ridgeless_c.subs(zeta, relu_zeta))
BISECTION_STEPS = 80  # halves the bracket below double precision


def chi_root(residual: Callable, upper: np.ndarray, *args: np.ndarray) -> np.ndarray:
    """The root in (0, upper) of an increasing ``residual(c, *args)``, by vectorized bisection.

    The bracket is checked first: the residual must change sign from negative at 0 to non-negative at ``upper``
    else bisection would converge to an end of the interval and report it as a root. Where the residual is not
    finite at an end (it overflows at extreme arguments) the root is NaN, which evaluation reports by name.
    """
    lo, hi = np.zeros_like(upper), upper.copy()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        at_lo, at_hi = residual(lo, *args), residual(hi, *args)
    finite = np.isfinite(at_lo) & np.isfinite(at_hi)
    # At ``upper`` the residual may miss 0 by rounding (relative to its size at 0) when the root is at the end;
    # an empty bracket (upper underflowed to 0) holds its root at 0.
    no_sign_change = finite & (upper > 0) & ~((at_lo < 0) & (at_hi >= 1e-12 * at_lo))
    if np.any(no_sign_change):
        where = ", ".join(f"{v.flat[np.flatnonzero(no_sign_change)[0]]:g}" for v in np.broadcast_arrays(upper, *args))
        raise ArithmeticError(f"no sign change of the fixed-point residual on (0, upper) at (upper, *args) = ({where})")
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        below = residual(mid, *args) < 0
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return np.where(finite, (lo + hi) / 2, np.nan)


def _minus_chi(p1: object, p2: object, y: object) -> np.ndarray:
    p1, p2, y = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (p1, p2, y)))
    upper = np.array(_ridgeless(p1, p2), dtype=float)
    # At y = 0 the root is the bracket's end (the ridgeless root); bisection would only approach it.
    ridge = y > 0
    if np.any(ridge):
        upper[ridge] = chi_root(_residual, upper[ridge], p1[ridge], p2[ridge], y[ridge])
    return upper


class RandomFeaturesChi(sp.Function):
    """-chi = -nu1 nu2 of Mei-Montanari at xi = i y for ReLU features (a positive number)."""

    nargs = 3
    _imp_ = staticmethod(_minus_chi)

    def _latex(self, printer: sp.printing.latex.LatexPrinter, exp: str | None = None) -> str:
        base = r"\left(-\chi(\psi_1, \psi_2, \lambda)\right)"
        return base if exp is None else rf"{base}^{{{exp}}}"


lam_bar = lam_rf / relu_mu_star2
_chi_value = -RandomFeaturesChi(psi1, psi2, sp.sqrt(psi1 * psi2 * lam_bar))
_relu = {zeta: relu_zeta}
# lam = 0 and psi1 = psi2, as one equation (lam >= 0): the printed And of a scalar and an array condition
# does not broadcast in NumPy.
_interpolation_threshold = sp.Eq(lam_rf + (psi1 - psi2) ** 2, 0)
_CHI = Derivation("numerical", chi_residual,
                  note="Mei-Montanari's fixed point reduced to one increasing scalar residual in c = -chi, whose "
                       "root is found by bisection (at lam = 0 the derived ridgeless root)")


def _with_threshold(expr: sp.Expr) -> sp.Expr:
    """``expr`` with chi substituted, and oo at the ridgeless threshold N = n (where E0 = 0 exactly)."""
    return sp.Piecewise((sp.oo, _interpolation_threshold), (expr.subs(_relu).subs(chi, _chi_value), True))


for _name, _expr, _text in [
    ("random_features_bias", rf_E1 / rf_E0, "bias factor B = E1/E0 (multiplies F1^2)"),
    ("random_features_variance", rf_E2 / rf_E0, "variance factor V = E2/E0 (multiplies tau^2 + F*^2)"),
]:
    register(
        f"double_descent.{_name}", _with_threshold(_expr), [psi1, psi2, lam_rf],
        source=MEI_MONTANARI_SOURCE,
        description=f"random ReLU features ridge regression: {_text}; lam = 0 is the min-norm limit",
        diverges="at psi1 = psi2 when lam = 0",
        derivation=_CHI,
    )
register(
    "double_descent.random_features_risk",
    _with_threshold(random_features_risk_in_chi),
    [psi1, psi2, lam_rf, F1sq, tau2, Fstar2],
    source=MEI_MONTANARI_SOURCE,
    description="excess test risk (noise tau2 excluded) of ridge regression on N = psi1 d random ReLU features "
                "with n = psi2 d samples; lam = 0 is the ridgeless (min-norm) limit",
    diverges="at psi1 = psi2 when lam = 0 and tau2 + Fstar2 > 0",
    derivation=_CHI,
)
