"""The four-term error decomposition: signs, monotonicity, limits, Bottou-Bousquet, bias-variance-noise."""

import numpy as np
import pytest
import sympy as sp
import sympy.stats as stats
from hypothesis import given
from hypothesis import strategies as st

from derivations.compile import compile_expr
from derivations.evaluate import evaluate
from theory import decomposition as dec
from theory.registry import get
from theory.scaling import N
from theory.symbols import D

RATES = [(term, rate) for term, family in dec.FAMILIES.items() for rate in family if term in dec.RESOURCES]
positive = st.floats(0.1, 10.0)


@pytest.mark.parametrize(("term", "rate"), RATES)
@given(data=st.data(), resource=st.floats(1.0, 1e6))
def test_each_term_is_nonnegative_and_decreasing_in_its_own_resource(term, rate, data, resource):
    formula = get(f"decomposition.{term}_{rate}")
    key = dec.RESOURCES[term].name
    values = {p.name: data.draw(positive, label=p.name) for p in formula.params}
    if "kappa_H" in values:
        values["kappa_H"] += 1.0  # a condition number is >= 1
    values[key] = resource
    here = evaluate(formula, **values)
    there = evaluate(formula, **{**values, key: 2 * resource})
    assert here >= 0 and there >= 0
    assert there < here or (here == 0 and there == 0)
    # The derivative in the resource is <= 0 everywhere (symbolic, then evaluated).
    slope = compile_expr(formula.symbols, sp.diff(formula.expr, dec.RESOURCES[term]))
    assert slope(*[values[p.name] for p in formula.params]) <= 0


def test_noise_term_is_constant_and_the_total_tends_to_it():
    assert dec.NOISE["constant"].free_symbols == {dec.E_noise}
    total = dec.power_law_total
    for resource in (N, D, dec.T):
        total = sp.limit(total, resource, sp.oo)
    assert total == dec.E_noise
    terms = dec.four_term("barron", "slow", "strongly_convex")
    limit = sum(terms.values())
    for resource in (N, D, dec.T):
        limit = sp.limit(limit, resource, sp.oo)
    assert limit == dec.E_noise


def test_chinchilla_is_noise_plus_power_law_approximation_and_estimation():
    # The power-law rates, evaluated as registered, add up to Hoffmann's published loss at Chinchilla's size
    # (N = 70e9, D = 1.4e12, Eq. (10) fit): 1.69 + 406.4/N^0.34 + 410.7/D^0.28 = 1.69 + 0.0835 + 0.1632 = 1.9366.
    fit = {"A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
    approximation = evaluate("decomposition.approximation_power_law", N=70e9, A=406.4, alpha=0.34)
    estimation = evaluate("decomposition.estimation_power_law", D=1.4e12, B=410.7, beta=0.28)
    assert approximation == pytest.approx(0.0835, abs=1e-4) and estimation == pytest.approx(0.1632, abs=1e-4)
    total = evaluate("scaling.chinchilla_loss", N=70e9, D=1.4e12, E=1.69, **fit)
    assert total == pytest.approx(1.9366, abs=1e-4)
    assert dec.four_term()["noise"] == dec.E_noise
    with pytest.raises(KeyError, match="unknown approximation rate"):
        dec.four_term("nonsense")


def test_named_rates_have_the_textbook_exponents():
    def exponent(expr, var):
        return sp.cancel(var * sp.diff(sp.expand_log(sp.log(expr), force=True), var))

    assert exponent(dec.APPROXIMATION["barron"], N) == -1
    assert exponent(dec.ESTIMATION["fast"], D) == -1
    assert exponent(dec.ESTIMATION["slow"], D) == sp.Rational(-1, 2)
    assert exponent(dec.OPTIMIZATION["sgd"], dec.T) == sp.Rational(-1, 2)
    assert exponent(dec.OPTIMIZATION["strongly_convex"], dec.T) == -1
    s, d = dec.smoothness, dec.d_in
    assert sp.cancel(exponent(dec.ESTIMATION["stone"], D) + 2 * s / (2 * s + d)) == 0
    # Linear convergence: the log error falls linearly in T, at rate -log(1 - 1/kappa).
    gd = sp.expand_log(sp.log(dec.OPTIMIZATION["gd_condition"]), force=True)
    assert sp.diff(gd, dec.T, 2) == 0


def test_bottou_bousquet_small_and_large_scale():
    # rho = 0 (small scale) removes the optimization term exactly.
    assert dec.rho_opt not in dec.small_scale_excess.free_symbols
    assert sp.diff(dec.bottou_bousquet_excess, dec.rho_opt) == 1
    # The estimation term falls in D beyond D = e d (its derivative vanishes exactly there).
    est = dec.bottou_bousquet_excess - dec.E_app - dec.rho_opt
    assert sp.solve(sp.diff(est.subs(dec.a_est, 1), D), D) == [sp.E * dec.d_par]
    # Large scale: SGD's time to accuracy depends on neither the rate exponent nor the data size; GD's does.
    sgd = get("decomposition.sgd_time_to_accuracy").expr
    gd = get("decomposition.gd_time_to_accuracy").expr
    assert dec.a_est not in sgd.free_symbols and D not in sgd.free_symbols
    assert dec.a_est in gd.free_symbols
    ratio = [evaluate("decomposition.gd_time_to_accuracy", d_par=10, kappa_H=10, eps_target=e, a_est=0.5)
             / evaluate("decomposition.sgd_time_to_accuracy", d_par=10, nu_G=1, kappa_H=10, eps_target=e)
             for e in (1e-2, 1e-4)]
    assert ratio[1] > ratio[0]  # SGD wins more as the target accuracy tightens
    with pytest.raises(ValueError, match="e d"):
        evaluate("decomposition.bottou_bousquet_excess", E_app=0.1, d_par=10, D=20, a_est=0.5, rho_opt=0.0)


def test_bias_variance_noise_identity_symbolically():
    # y = f + eps, prediction = m + eta (eps, eta independent, zero mean): E[(y - prediction)^2] = s2 + (f-m)^2 + v.
    f, m = sp.symbols("f m", real=True)
    s2, v = sp.symbols("s2 v", positive=True)
    eps = stats.Normal("eps", 0, sp.sqrt(s2))
    eta = stats.Normal("eta", 0, sp.sqrt(v))
    expected = sp.expand(stats.E((f + eps - (m + eta)) ** 2))
    formula = get("decomposition.bias_variance_noise").expr
    assert sp.expand(expected - formula.subs({dec.noise_var: s2, dec.bias: f - m, dec.variance: v})) == 0


def test_bias_variance_noise_by_monte_carlo():
    # A shrunken mean of k noisy labels: bias (1 - c) f, variance c^2 s^2 / k.
    rng = np.random.default_rng(np.random.SeedSequence(5))
    f, sigma, k, c, trials = 1.3, 0.7, 4, 0.6, 400_000
    train = f + sigma * rng.standard_normal((trials, k))
    prediction = c * train.mean(axis=1)
    y = f + sigma * rng.standard_normal(trials)
    mse = np.mean((y - prediction) ** 2)
    predicted = evaluate("decomposition.bias_variance_noise", noise_var=sigma**2, bias=(1 - c) * f,
                         variance=c**2 * sigma**2 / k)
    assert mse == pytest.approx(predicted, rel=0.01)
