"""Every registered claim: re-derived now and compared with the shipped verdict, so a change that flips a verdict
fails here; each shipped counterexample still refutes its claim when recomputed; no claim is a placeholder.

The search's hypothesis settings are its own (seeded, no database), whatever profile is loaded, so with each
claim's default examples and seed 0 the check repeats exactly what ``python -m derivations.claims
--regenerate`` shipped. A verdict that differs means the code changed what the claim's check finds:
look at the claim, then regenerate.
"""

import math

import numpy as np
import pytest
from figure_arrays import figure_arrays

from derivations.claims import get_claim, registered, shipped
from derivations.experiments import experiments
from figures.claims import PANELS
from theory.registry import formulas

CLAIMS = registered()
SHIPPED = shipped.read()
BY_ID = SHIPPED.by_id() if SHIPPED is not None else {}


def test_the_catalog_covers_the_sources():
    assert len(CLAIMS) >= 50, f"{len(CLAIMS)} registered claims; the sources' coverage needs at least 50"


def test_every_registered_claim_and_only_those_are_shipped():
    assert SHIPPED is not None, f"{shipped.PATH.name} is missing: run `{shipped.REGENERATE}`"
    registered_ids = {c.id for c in CLAIMS}
    assert registered_ids - BY_ID.keys() == set(), f"not shipped: run `{shipped.REGENERATE}`"
    assert BY_ID.keys() - registered_ids == set(), f"shipped but no longer registered: run `{shipped.REGENERATE}`"


def test_each_claim_says_what_it_claims_where_from_and_about_what():
    known = {f.name for f in formulas()} | {e.name for e in experiments()}
    for c in CLAIMS:
        assert c.statement and c.source and c.reading, f"{c.id}: statement, source and reading are required"
        assert c.about, f"{c.id}: about must name the formulas or experiments it is about"
        unknown = [name for name in c.about if name not in known]
        assert not unknown, f"{c.id}: about names {unknown}, neither a registered formula nor an experiment"


@pytest.mark.parametrize("c", CLAIMS, ids=[c.id for c in CLAIMS])
def test_the_verdict_is_re_derived_and_its_counterexample_refutes(c):
    if c.id not in BY_ID:
        pytest.fail(f"{c.id} has no shipped verdict: run `{shipped.REGENERATE}`")
    shipped_record = BY_ID[c.id]
    verdict = c.check()
    assert verdict.verdict == shipped_record["verdict"], (
        f"{c.id}: {verdict.verdict} now, {shipped_record['verdict']} shipped")
    assert verdict.evidence.get("method") in ("proof", "symbolic", "search")
    if verdict.verdict == "proved":
        assert verdict.evidence["proof"]["steps"], f"{c.id}: a proof without steps"
    point = shipped_record["counterexample"]
    assert (point is not None) == (verdict.verdict in ("conditional", "fails")), (
        f"{c.id}: a counterexample goes with conditional and fails, and only with them")
    if point is not None:
        ok, values = c.holds_at(point)
        assert not ok, f"{c.id}: the shipped counterexample {point} no longer refutes the claim ({values})"


def test_the_overview_figure_draws_each_refuted_claim_through_its_counterexample():
    d = figure_arrays("claims_overview")
    for i, panel in enumerate(PANELS):
        record = BY_ID[panel.claim]
        assert record["counterexample"] is not None, f"{panel.claim} is no longer refuted: choose another panel"
        x, y = d[f"cex{i}"]
        assert x == record["counterexample"][panel.sweep]
        assert y == pytest.approx(record["values"][panel.value], rel=1e-9)
        assert not get_claim(panel.claim).holds_at(record["counterexample"])[0]
        assert not d[f"ok{i}"].all(), f"panel {i}: the sweep never shows the claim failing"
    # Panel A by the documents' formula typed here, P = 1 - exp(-(N/N_c)^alpha), and the claim's reading (P < 0.05
    # at N <= 0.8 N_c, P > 0.95 at N >= 1.2 N_c): the counterexample breaks one half; at the stated sub-domain's
    # alpha the reading holds along the whole sweep.
    point = BY_ID["documents.critical_scale_step"]["counterexample"]
    p = -math.expm1(-point["ratio"] ** point["alpha"])
    assert (point["ratio"] <= 0.8 and p >= 0.05) or (point["ratio"] >= 1.2 and p <= 0.95)
    ratio = d["x0"]
    step = -np.expm1(-ratio ** get_claim("documents.critical_scale_step").holds_on["alpha"].lo)  # 1 - e^-x, exactly
    assert np.allclose(d["sub0"], step, rtol=1e-12, atol=0)
    assert np.all(((ratio > 0.8) | (step < 0.05)) & ((ratio < 1.2) | (step > 0.95)))
