"""Canonical symbols, each declared once with its assumptions, LaTeX name, meaning and domain.

A symbol's *name* is the key users type (``circuitcomp eval NAME key=value``); its LaTeX form is
what figures and ``show`` print. Other modules declare their own symbols with :func:`declare`, so
every symbol in the package carries the same metadata.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp


@dataclass(frozen=True)
class Domain:
    """A real interval with open or closed ends, optionally integer-valued."""

    lo: float = -math.inf
    hi: float = math.inf
    lo_closed: bool = False
    hi_closed: bool = False
    integer: bool = False

    def __str__(self) -> str:
        lo = "-inf" if self.lo == -math.inf else f"{self.lo:g}"
        hi = "inf" if self.hi == math.inf else f"{self.hi:g}"
        text = f"{'[' if self.lo_closed else '('}{lo}, {hi}{']' if self.hi_closed else ')'}"
        return f"integers in {text}" if self.integer else text

    def contains(self, value: float) -> bool:
        return bool(self.contains_array(np.asarray(value, dtype=float)))

    def contains_array(self, values: np.ndarray) -> np.ndarray:
        """Elementwise membership (NaN is never a member)."""
        above = values >= self.lo if self.lo_closed else values > self.lo
        below = values <= self.hi if self.hi_closed else values < self.hi
        inside = above & below
        if self.integer:
            inside &= values == np.floor(values)
        return inside


POSITIVE = Domain(0.0)
NONNEGATIVE = Domain(0.0, lo_closed=True)
REAL = Domain()
UNIT_INTERVAL = Domain(0.0, 1.0, hi_closed=True)
CLOSED_UNIT_INTERVAL = Domain(0.0, 1.0, lo_closed=True, hi_closed=True)
COUNT = Domain(1.0, lo_closed=True, integer=True)
NONNEGATIVE_INTEGER = Domain(0.0, lo_closed=True, integer=True)


@dataclass(frozen=True)
class SymbolInfo:
    symbol: sp.Symbol
    description: str
    domain: Domain
    unit: str = ""


_INFO: dict[sp.Symbol, SymbolInfo] = {}
_LATEX: dict[sp.Symbol, str] = {}


def declare(
    name: str, latex: str, description: str, domain: Domain | None = None, unit: str = "", **assumptions: bool
) -> sp.Symbol:
    """Create a symbol with assumptions and record its meaning; the domain defaults from the assumptions."""
    symbol = sp.Symbol(name, **assumptions)
    if domain is None:
        if assumptions.get("positive"):
            domain = POSITIVE
        elif assumptions.get("nonnegative"):
            domain = NONNEGATIVE
        else:
            domain = REAL
    record = SymbolInfo(symbol, description, domain, unit)
    if _INFO.get(symbol, record) != record or _LATEX.get(symbol, latex) != latex:
        # Same name and assumptions make the same SymPy symbol: a second meaning would silently replace the first.
        raise ValueError(f"symbol {name!r} ({assumptions}) is already declared as {_INFO[symbol].description!r}; "
                         "import it, or give the new one another name or assumptions")
    _INFO[symbol] = record
    _LATEX[symbol] = latex
    return symbol



def info(symbol: sp.Symbol) -> SymbolInfo:
    """Metadata of a declared symbol (a ``KeyError`` names an undeclared one)."""
    try:
        return _INFO[symbol]
    except KeyError:
        raise KeyError(f"symbol {symbol!r} was not declared with theory.symbols.declare") from None


def latex(expr: sp.Basic) -> str:
    """LaTeX of an expression with every declared symbol printed under its LaTeX name."""
    names = {s: _LATEX[s] for s in expr.free_symbols if s in _LATEX}
    return sp.latex(expr, symbol_names=names)


# --- time and training -------------------------------------------------------------------------
t = declare("t", "t", "training time (optimizer steps x base learning rate)", nonnegative=True)
lam = declare("lam", r"\lambda", "weight decay coefficient", nonnegative=True)
eta = declare("eta", r"\eta", "learning rate", positive=True)
eta_m = declare("eta_m", r"\eta_m", "learning rate of the memorizing circuit", positive=True)
eta_g = declare("eta_g", r"\eta_g", "learning rate of the generalizing circuit", positive=True)

# --- data and model size -----------------------------------------------------------------------
D = declare("D", "D", "number of training examples", positive=True)
M = declare("M", "M", "model size (hidden width)", positive=True)

# --- squared-loss two-circuit (Lotka-Volterra) model -------------------------------------------
y = declare("y", "y", "target margin of the correct class", positive=True)
c_m = declare("c_m", "c_m", "memorization cost: squared norm per unit margin per example", positive=True)
c_g = declare("c_g", "c_g", "generalization cost: squared norm per unit margin", positive=True)
theta_m = declare("theta_m", r"\theta_m", "parameter norm of the memorizing circuit", positive=True)
theta_g = declare("theta_g", r"\theta_g", "parameter norm of the generalizing circuit", positive=True)
a = declare("a", "a", "log margin of the memorizing circuit, ln z_m", real=True)
b = declare("b", "b", "log margin of the generalizing circuit, ln z_g", real=True)
m = declare("m", "m", "margin of the memorizing circuit", positive=True)
g = declare("g", "g", "margin of the generalizing circuit", positive=True)
m0 = declare("m0", "m_0", "initial margin of the memorizing circuit", positive=True)
g0 = declare("g0", "g_0", "initial margin of the generalizing circuit", positive=True)
m_s = declare("m_s", "m_s", "memorizing margin when the training set is switched", positive=True)
g_s = declare("g_s", "g_s", "generalizing margin when the training set is switched", positive=True)
sigma = declare("sigma", r"\sigma", "log-normal spread of per-example margins", positive=True)

# --- cross-entropy, product-parameterized model (Varma et al. App. C/D) ------------------------
q = declare("q", "q", "number of classes", Domain(2.0, integer=True), positive=True, integer=True)
p = declare("p", "p", "exponent of the weight penalty (2 = L2)", positive=True)
kappa = declare("kappa", r"\kappa", "homogeneity degree linking logits to parameter norm", positive=True)
P_G = declare("P_G", r"\hat P_G", "normalized parameter norm (inverse efficiency) of the generalizing circuit",
              positive=True)
P_M = declare("P_M", r"\hat P_M", "normalized parameter norm (inverse efficiency) of the memorizing circuit",
              positive=True)
s_G = declare("s_G", "s_G", "initial scale of the generalizing circuit's second subweight", positive=True)
s_M = declare("s_M", "s_M", "initial scale of the memorizing circuit's second subweight", positive=True)
w_G = declare("w_G", "w_G", "logit strength of the generalizing circuit", nonnegative=True)
w_M = declare("w_M", "w_M", "logit strength of the memorizing circuit", nonnegative=True)
w = declare("w", "w", "logit strength of a circuit", nonnegative=True)
P_c = declare("P_c", r"\hat P", "normalized parameter norm of a circuit", positive=True)
g1 = declare("g1", "g_1", "first subweight of the generalizing circuit", real=True)
g2 = declare("g2", "g_2", "second subweight of the generalizing circuit", real=True)
m1 = declare("m1", "m_1", "first subweight of the memorizing circuit", real=True)
m2 = declare("m2", "m_2", "second subweight of the memorizing circuit", real=True)
f = declare("f", "f", "fraction of the training set the model can memorize", UNIT_INTERVAL, positive=True)

# --- Huang et al. model-size curves --------------------------------------------------------------
A_mem = declare("A_mem", "A", "memorization capacity prefactor: D_mem = A M^mu", positive=True)
mu = declare("mu", r"\mu", "exponent of memorization capacity in model size", positive=True)
B_crit = declare("B_crit", "B", "critical data size prefactor: D_crit = B M^-nu", positive=True)
nu = declare("nu", r"\nu", "exponent of the critical data size's decrease with model size", positive=True)
beta_m = declare("beta", r"\beta", "exponent of the memorizing circuit's norm in the data it stores", positive=True)
D_crit = declare("D_crit", r"D_{\mathrm{crit}}", "critical data size", positive=True)
z = declare("z", "z", "margin of the correct class", positive=True)
