"""The claims machinery on a user's own claims: verdicts, counterexamples recomputed independently, proofs, errors.

Expected values come from routes other than the package's: the critical-scale law typed from its source
(1 - exp(-(N/N_c)^alpha), seeds.md item 1), elementary algebra, and exact integer arithmetic.
"""

import json
import math

import pytest
import sympy as sp

from derivations.claims import Claim, ClaimError, Outcome, Proof, Verdict, claim, load_file
from derivations.evaluate import evaluate


def critical_scale(ratio: float, alpha: float) -> float:
    """P(N) = 1 - exp(-(N/N_c)^alpha), as the source documents state it (not the package's compiled form)."""
    return 1.0 - math.exp(-(ratio**alpha))


# --- numeric claims ------------------------------------------------------------------------------------
@claim("At N = N_c the emergence probability is 1 - 1/e whatever alpha", source="seeds.md item 1",
       about=("emergence.critical_scale_probability",), domain={"alpha": (0.1, 20.0)}, examples=20)
def probability_at_critical(alpha, rtol=1e-12):
    p = evaluate("emergence.critical_scale_probability", N=1.0, N_c=1.0, alpha=alpha)
    return Outcome(abs(p - (1 - math.exp(-1))) <= rtol * p, P=p)


@claim("Below N_c the emergence probability stays under 0.1", source="a loose reading of a step",
       about=("emergence.critical_scale_probability",), domain={"ratio": (1e-3, 1.0), "alpha": (1.0, 5.0)},
       log=("ratio",), examples=40)
def small_below_critical(ratio, alpha):
    p = evaluate("emergence.critical_scale_probability", N=ratio, N_c=1.0, alpha=alpha)
    return Outcome(p < 0.1, P=p)


def test_a_true_claim_holds_after_the_search():
    v = probability_at_critical.check()
    assert (v.verdict, v.counterexample, v.values) == ("holds", None, {})
    # 20 drawn points, then the domain's two ends
    assert v.examples == 20 + 2 and v.evidence["method"] == "search" and v.evidence["seed"] == 0
    assert v.evidence["domain"] == {"alpha": "[0.1, 20]"}


def test_a_false_claim_fails_with_a_counterexample_that_refutes_it_when_recomputed():
    v = small_below_critical.check()
    assert v.verdict == "fails"
    point = v.counterexample
    assert 1e-3 <= point["ratio"] <= 1.0 and 1.0 <= point["alpha"] <= 5.0
    p = critical_scale(point["ratio"], point["alpha"])
    assert p >= 0.1  # refuted, by the source's formula typed here
    assert v.values["P"] == pytest.approx(p, rel=1e-12)
    # shrunk to a simple case: at N = N_c, P = 1 - 1/e = 0.632 is far above 0.1
    assert point == {"ratio": 1.0, "alpha": 1.0}


def test_the_seed_reproduces_a_verdict_and_another_seed_still_refutes():
    again = small_below_critical.check()
    assert again == small_below_critical.check()
    other = small_below_critical.check(examples=30, seed=7)
    assert other.verdict == "fails" and critical_scale(**other.counterexample) >= 0.1


def test_conditional_holds_on_the_stated_sub_domain_and_fails_outside():
    @claim("P(N) < 0.1 below N_c", domain={"ratio": (1e-3, 1.0), "alpha": (1.0, 5.0)},
           holds_on={"ratio": (1e-3, 0.1)}, log=("ratio",), examples=30)
    def small_well_below(ratio, alpha):
        return small_below_critical(ratio=ratio, alpha=alpha)

    v = small_well_below.check()
    assert v.verdict == "conditional" and v.evidence["sub_method"] == "search"
    assert v.evidence["sub_domain"]["ratio"] == "[0.001, 0.1] (log-uniform)"
    assert v.counterexample["ratio"] > 0.1
    assert critical_scale(**v.counterexample) >= 0.1
    # on the sub-domain the claim does hold: P <= 1 - exp(-0.1) < 0.1 at the sub-domain's worst corner
    assert critical_scale(0.1, 1.0) < 0.1


def test_a_claim_failing_inside_its_stated_sub_domain_fails():
    @claim("x^2 < 1/2", domain={"x": (0.0, 1.0)}, holds_on={"x": (0.5, 1.0)}, examples=20)
    def square_small(x):
        return bool(x * x < 0.5)  # bool(): a number, never a SymPy relation to prove

    v = square_small.check()
    assert v.verdict == "fails" and v.evidence["note"] == "fails on the stated sub-domain too"
    assert 0.5 <= v.counterexample["x"] and v.counterexample["x"] ** 2 >= 0.5


def test_integer_arguments_are_searched_as_integers():
    @claim("2^L > L^2 for every L in 1..12", domain={"L": (1, 12)}, integers=("L",), examples=30)
    def powers(L):
        return Outcome(2**L > L**2, two_to_L=2**L, L_squared=L**2)

    v = powers.check()
    L = v.counterexample["L"]
    assert v.verdict == "fails" and isinstance(L, int) and 2**L <= L**2  # L = 2, 3 or 4
    assert L in (2, 3, 4)


def test_a_claim_without_arguments_is_checked_once():
    @claim("e^pi > pi^e", domain={})
    def gelfond():
        return math.exp(math.pi) > math.pi**math.e

    assert gelfond.check().verdict == "holds"


# --- symbolic claims --------------------------------------------------------------------------------
def test_a_sympy_relation_is_proved_with_its_steps():
    @claim("x^2 + 1 >= 2x", domain={"x": (-10.0, 10.0)})
    def am_gm(x):
        return x**2 + 1 >= 2 * x

    v = am_gm.check()
    assert v.verdict == "proved" and v.examples == 0 and v.evidence["method"] == "symbolic"
    steps = v.evidence["proof"]["steps"]
    assert steps[-1]["expr"] == "(x - 1)**2" and "nonnegative" in steps[-1]["text"]


def test_a_proof_uses_the_domain_bounds_when_the_assumptions_are_not_enough():
    @claim("x^2 >= x on [1, 3]", domain={"x": (1.0, 3.0)})
    def square_above(x):
        return x**2 >= x

    v = square_above.check()
    assert v.verdict == "proved"
    assert any("upper end" in s["text"] for s in v.evidence["proof"]["steps"])


def test_a_relation_proved_on_its_stated_sub_domain_is_conditional():
    @claim("x^2 >= x", domain={"x": (0.0, 3.0)}, holds_on={"x": (1.0, 3.0)}, examples=30)
    def square_above_everywhere(x):
        return x**2 >= x

    v = square_above_everywhere.check()
    assert v.verdict == "conditional" and v.evidence["sub_method"] == "proof" and v.evidence["sub_proof"]["holds"]
    x = sp.Rational(repr(v.counterexample["x"]))
    assert 0 < x < 1 and x**2 < x  # exact arithmetic: refuted outside [1, 3]


def test_a_false_relation_is_not_proved_at_its_closed_end_but_refuted_there():
    @claim("x < 2 on [0, 2]", domain={"x": (0.0, 2.0)}, examples=30)
    def below_two(x):
        return x < 2

    v = below_two.check()
    assert v.verdict == "fails" and v.counterexample == {"x": 2.0}
    assert v.values == {"lhs": 2.0, "rhs": 2.0}


def test_a_false_identity_fails_with_a_counterexample_checked_exactly():
    @claim("(x + 1)^2 = x^2 + 1", domain={"x": (0.5, 4.0)}, examples=10)
    def square_of_sum(x):
        return sp.Eq((x + 1) ** 2, x**2 + 1)

    v = square_of_sum.check()
    x = sp.Rational(repr(v.counterexample["x"]))
    assert v.verdict == "fails" and (x + 1) ** 2 != x**2 + 1


def test_a_given_proof_proves_and_with_a_sub_domain_the_rest_is_still_searched():
    x = sp.Symbol("x", positive=True)

    @claim("log x <= x - 1", domain={"x": (0.1, 10.0)},
           proof=lambda: Proof.sign(x - 1 - sp.log(x), "nonnegative", text="x - 1 - log x"))
    def log_below_tangent(x):
        return math.log(x) <= x - 1

    assert Proof.sign(x - 1 - sp.log(x), "nonnegative").holds is False  # SymPy cannot: then it is searched
    assert log_below_tangent.check(examples=20).verdict == "holds"

    @claim("1/x <= 1", domain={"x": (0.5, 4.0)}, holds_on={"x": (1.0, 4.0)}, examples=20,
           proof=lambda: Proof.sign(1 - 1 / (1 + x), "positive", text="x = 1 + (x - 1), x - 1 > 0"))
    def reciprocal_small(x):
        return 1 / x <= 1

    v = reciprocal_small.check()
    assert v.verdict == "conditional" and v.evidence["sub_method"] == "proof"
    assert v.counterexample["x"] < 1 and 1 / v.counterexample["x"] > 1


def test_proof_helpers():
    x = sp.Symbol("x", positive=True)
    assert Proof.identity(sp.exp(sp.log(x)), x).holds
    assert not Proof.identity(x**2, x).holds
    assert Proof.limit(1 - sp.exp(-x), x, sp.oo, 1).holds
    assert Proof.combine(Proof.sign(x**2, "positive"), Proof.sign(-x, "negative")).holds
    with pytest.raises(ValueError, match="sign must be one of"):
        Proof.sign(x, "big")


# --- errors ------------------------------------------------------------------------------------------
def test_a_body_that_raises_stops_the_check_with_one_line_naming_the_point():
    @claim("1/(x - 1/2) is defined", domain={"x": (0.0, 1.0)})
    def reciprocal(x):
        return 1.0 / (x - 0.5) != 0 if x < 0.6 else {}["missing"]

    with pytest.raises(ClaimError, match=r"^claim reciprocal: body raised KeyError: 'missing' at x=") as info:
        reciprocal.check()
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("result, message", [
    (None, "returned None"), (0.5, "returned 0.5"), (Outcome(True, P=math.nan), "computed P = NaN")])
def test_unusable_answers_are_errors_not_verdicts(result, message):
    @claim("answers", domain={"x": (0.0, 1.0)})
    def answers(x):
        return result

    with pytest.raises(ClaimError, match=message):
        answers.check(examples=5)


def body(alpha, ratio, rtol=1e-9):
    return True


@pytest.mark.parametrize("kwargs, message", [
    ({"domain": {"alpha": (3.5, 2.8), "ratio": (0.5, 2.0)}}, "alpha has an empty domain"),
    ({"domain": {"alpha": (math.nan, 2.8), "ratio": (0.5, 2.0)}}, "alpha has a NaN bound"),
    ({"domain": {"alpha": ("a", 2.8), "ratio": (0.5, 2.0)}}, "alpha bound 'a' is not a number"),
    ({"domain": {"alpha": (1.0, 2.0, 3.0), "ratio": (0.5, 2.0)}}, "alpha must be a"),
    ({"domain": {"alpha": (1.0, 2.0)}}, "argument ratio of the body is missing from the domain"),
    ({"domain": {"alpha": (1.0, 2.0), "ratio": (0.5, 2.0), "beta": (0, 1)}}, "the domain names beta"),
    ({"domain": {"alpha": (0.0, 2.0), "ratio": (0.5, 2.0)}, "log": ("alpha",)}, "must be positive and bounded"),
    ({"domain": {"alpha": (1.0, 2.0), "ratio": (0.5, 2.0)}, "log": ("gamma",)}, "log names gamma"),
    ({"domain": {"alpha": (1.2, 1.8), "ratio": (0.5, 2.0)}, "integers": ("alpha",)}, "alpha has no integer"),
    ({"domain": {"alpha": (1.0, 2.0), "ratio": (0.5, 2.0)}, "holds_on": {"alpha": (0.0, 1.5)}}, "not inside"),
    ({"domain": {"alpha": (1.0, 2.0), "ratio": (0.5, 2.0)}, "holds_on": {"beta": (0.0, 1.5)}}, "holds_on names"),
    ({"domain": {"alpha": (1.0, 2.0), "ratio": (0.5, 2.0)}, "examples": 0}, "examples must be a positive"),
    ({"domain": {"alpha": (1.0, 2.0), "ratio": (0.5, 2.0)}, "id": "two words"}, "id must be a non-empty word"),
])
def test_bad_declarations_fail_at_decoration_with_one_line(kwargs, message):
    with pytest.raises(ClaimError, match=message) as info:
        claim("a statement", **kwargs)(body)
    assert "\n" not in str(info.value)


def test_a_multi_line_statement_is_refused():
    with pytest.raises(ClaimError, match="statement must be a one-line string"):
        claim("two\nlines", domain={"alpha": (1, 2), "ratio": (1, 2)})(body)


# --- objects -----------------------------------------------------------------------------------------
def test_claim_object_calls_its_body_and_describes_itself():
    assert isinstance(small_below_critical, Claim) and small_below_critical.id == "small_below_critical"
    assert small_below_critical(ratio=0.01, alpha=2.0).ok is True
    record = small_below_critical.as_dict()
    assert record["about"] == ["emergence.critical_scale_probability"] and record["holds_on"] is None
    md = small_below_critical._repr_markdown_()
    assert "Below N_c the emergence probability stays under 0.1" in md and r"$\alpha$ in [1, 5]" in md


def test_verdict_round_trips_through_json_and_renders_markdown():
    v = small_below_critical.check()
    again = Verdict.from_dict(json.loads(json.dumps(v.as_dict())))
    assert again == v
    md = v._repr_markdown_()
    assert "**Verdict: fails**" in md and r"$\mathrm{ratio} = 1$" in md and "$P = 0.632121$" in md


def test_a_file_of_claims_loads_under_a_private_name(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text("from derivations.claims import claim\n"
                    "from tests.test_claims_core import small_below_critical  # imported: not this file's\n"
                    "@claim('x <= 1', domain={'x': (0.0, 2.0)})\n"
                    "def at_most_one(x):\n    return x <= 1\n")
    (loaded,) = load_file(path)
    assert loaded.id == "at_most_one" and loaded.module.startswith("_circuitcomp_claims_")
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(ClaimError, match="defines no claim"):
        load_file(empty)
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    with pytest.raises(ClaimError, match=r"does not load: SyntaxError: .* \(line 1\)"):
        load_file(broken)
