"""Named functions that know their derivatives and print to numerically stable primitives.

``softplus(x) = log(1 + e^x)`` and ``expit(x) = 1/(1 + e^-x)`` written naively overflow for large
arguments (small weight decay drives logits far out); :mod:`derivations.compile` maps these names
to ``numpy.logaddexp`` and ``scipy.special.expit``.
"""

from __future__ import annotations

import sympy as sp


class expit(sp.Function):  # noqa: N801 (SymPy function classes are named like functions)
    """Logistic sigmoid 1/(1 + e^-x); defined on all reals, values in (0, 1)."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        x = self.args[0]
        return expit(x) * (1 - expit(x))

    @classmethod
    def eval(cls, x: sp.Expr) -> sp.Expr | None:
        if x.is_Number:
            return 1 / (1 + sp.exp(-x))
        return None

    def _eval_rewrite_as_exp(self, x: sp.Expr, **kwargs: object) -> sp.Expr:
        return 1 / (1 + sp.exp(-x))

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        return rf"\sigma\left({printer._print(self.args[0])}\right)"


class softplus(sp.Function):  # noqa: N801
    """log(1 + e^x); defined on all reals, positive, derivative expit(x)."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return expit(self.args[0])

    @classmethod
    def eval(cls, x: sp.Expr) -> sp.Expr | None:
        if x.is_Number:
            return sp.log(1 + sp.exp(x))
        return None

    def _eval_rewrite_as_log(self, x: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.log(1 + sp.exp(x))

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        return rf"\operatorname{{softplus}}\left({printer._print(self.args[0])}\right)"


def normal_cdf(x: sp.Expr) -> sp.Expr:
    """Standard normal CDF, (1 + erf(x / sqrt 2)) / 2."""
    return (1 + sp.erf(x / sp.sqrt(2))) / 2


def log_space(expr: sp.Expr) -> sp.Expr:
    """A positive product of powers as one exponential of a sum of logs: equal to ``expr``, but no factor can
    overflow or underflow on its own (C^beta / 6^beta at beta = 600 is inf / inf; its ratio is not).

    ``evaluate=False`` keeps SymPy from folding the exponential back into the product it came from."""
    return sp.exp(sp.expand_log(sp.log(expr), force=True), evaluate=False)


def _may_vanish(term: sp.Expr) -> bool:
    """SymPy knows the sign of ``term`` (>= 0 or <= 0) but not that it is nonzero, as for D_r / A with D_r >= 0."""
    return bool(term.is_nonnegative or term.is_nonpositive) and not (term.is_positive or term.is_negative)


def power_of_sum(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every (X + Y)^a, X and Y products of powers, Y nonzero and a not an integer, written
    exp(a (ln Y + softplus(ln X - ln Y))), or exp(a (ln Y + ln(1 - e^(ln(-X) - ln Y)))) where X <= 0: the log-sum-exp
    of the two terms, so that a term beyond the double range does not make the power inf
    (((N_c/N)^(a_N/a_D) + D_c/D)^a_D at a_N/a_D = 1000, (M^mu - D_r/A)^(1/mu) at mu = 500). With Y = 1,
    (1 + x)^a - 1 compiles to expm1(a logaddexp(0, ln x)), which keeps its digits when x is tiny; ln(1 - e^z)
    compiles to log1p(-exp(z)), which keeps them when -X is a sliver of Y."""

    def power_of_two_terms(e: sp.Basic) -> bool:
        # Terms SymPy cannot sign are taken as the domains declare them (N_c is real, its domain positive);
        # a provably negative one, as in (1 - x)^a, is left alone, a nonpositive one (-D_r/A, D_r >= 0) is not.
        return (isinstance(e, sp.Pow) and e.base.is_Add and len(e.base.args) == 2 and not e.exp.is_Integer
                and not any(term.is_negative for term in e.base.args))

    def rewrite(e: sp.Pow) -> sp.Expr:
        # Y, whose log is factored out, must not vanish: a number if there is one, never a term that may be zero.
        y, x = sorted(e.base.args, key=lambda term: (not term.is_Number, _may_vanish(term)))
        log_y = sp.expand_log(sp.log(y), force=True)
        if x.is_nonpositive:
            # Unevaluated, or SymPy folds e^(ln(-X) - ln Y) back into the powers it came from.
            gap = sp.UnevaluatedExpr(sp.expand_log(sp.log(-x), force=True) - log_y)
            return sp.exp(e.exp * (log_y + sp.log(1 - sp.exp(gap))))
        return sp.exp(e.exp * (log_y + softplus(sp.expand_log(sp.log(x), force=True) - log_y)))

    return expr.replace(power_of_two_terms, rewrite)
