"""Claims: the sources' statements as checkable propositions with verdicts, and the same for a user's own.

::

    from derivations.claims import claim, Outcome
    from derivations.evaluate import evaluate

    @claim("P(N) is at most 0.1 below N_c", source="my notes", domain={"ratio": (0.01, 1.0), "alpha": (1, 5)})
    def below_critical(ratio, alpha):
        p = evaluate("emergence.critical_scale_probability", N=ratio, N_c=1.0, alpha=alpha)
        return Outcome(p <= 0.1, P=p)

    below_critical.check()   # Verdict(verdict='fails', counterexample={...}, values={'P': ...}, ...)

Verdicts: ``proved`` (a SymPy argument, steps kept), ``holds`` (a seeded hypothesis search found no
counterexample: evidence, not proof), ``conditional`` (holds on a stated sub-domain, fails outside it),
``fails`` (a shrunk counterexample). :func:`registered` lists the package's claims about its sources;
their verdicts ship in ``verdicts.json`` (``python -m derivations.claims --regenerate``).
"""

from derivations.claims.core import Claim, claim
from derivations.claims.domain import ClaimError
from derivations.claims.outcome import Outcome, Proof, Verdict
from derivations.claims.registry import get_claim, load_file, registered

__all__ = ["Claim", "ClaimError", "Outcome", "Proof", "Verdict", "claim", "get_claim", "load_file", "registered"]
