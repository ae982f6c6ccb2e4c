"""Real networks trained on modular addition (the optional ``training`` extra), and the store of their runs.

The settings, their domains and validation live here without torch, so bad input is refused, and the
run store read or exported, on a machine without the extra. Only :mod:`derivations.training.loop` and
:mod:`derivations.training.networks` import torch, inside their functions.
"""

from __future__ import annotations

from collections.abc import Mapping

from derivations.experiments import Experiment, Setting
from theory.symbols import Domain

INSTALL_HINT = "train needs the training extra: pip install 'circuit-competition[training]'"

ACCURACY_THRESHOLD = 0.99  # memorized / generalized: train / test accuracy above this (as in Power et al.)
UNGROK_THRESHOLD = 0.5  # ungrokked: test accuracy below this after retraining starts
GRACE_STEPS = 200  # steps kept after generalizing, so the final accuracies show the net stays generalized
MEMORY_BUDGET = 4e9  # bytes of activations and their gradients for a forward pass over all p^2 pairs


def _int(lo: float, hi: float) -> Domain:
    return Domain(lo, hi, lo_closed=True, hi_closed=True, integer=True)


SETTINGS: dict[str, Setting] = {
    "p": Setting(97, _int(3, 400), "modulus: the task is (a + b) mod p over all p^2 pairs"),
    "fraction": Setting(0.5, Domain(0.0, 1.0), "fraction of the p^2 pairs used for training"),
    "weight_decay": Setting(1.0, Domain(0.0, 100.0, lo_closed=True, hi_closed=True),
                            "AdamW weight decay (the decay per step is lr * weight_decay)"),
    "lr": Setting(3e-3, Domain(0.0, 1.0, hi_closed=True), "AdamW learning rate"),
    "steps": Setting(10000, _int(1, 10_000_000), "cap on optimizer steps before retraining"),
    "seed": Setting(0, _int(0, 1e9), "seed of the split, the initialization and the retraining subset"),
    "width": Setting(128, _int(1, 4096), "hidden width (transformer: model width, a multiple of 4)"),
    "embed": Setting(64, _int(1, 4096), "MLP embedding size per operand"),
    "model": Setting("mlp", None, "network", choices=("mlp", "transformer")),
    "eval_every": Setting(10, _int(1, 100_000), "steps between accuracy checks"),
    "retrain_fraction": Setting(None, Domain(0.0, 1.0),
                                "optional: then retrain on a random subset of the training pairs of this "
                                "fraction of all p^2 pairs (ungrokking)"),
    "retrain_steps": Setting(3000, _int(1, 10_000_000), "optimizer steps of retraining"),
}
INTEGER_KEYS = frozenset(k for k, s in SETTINGS.items() if s.domain is not None and s.domain.integer)

def _activation_bytes(values: Mapping[str, object]) -> float:
    """Activations and gradients (float32, twice) of one pass over all p^2 pairs, roughly: per pair the MLP
    holds two embeddings, the hidden layer before and after ReLU and the logits twice; the transformer per
    token its residual stream, q, k, v, the attention output, two norms and the 4x feed-forward layer."""
    p, width = values["p"], values["width"]
    per_pair = 2 * values["embed"] + 2 * width if values["model"] == "mlp" else 3 * 16 * width + 4 * 9
    return 8.0 * p * p * (per_pair + 2 * p)


# Experiment.resolve does the domain checks (one message format for every command); unknown keys are
# refused here first so the message names this command.
_SPEC = Experiment("grokking", "", SETTINGS, run=dict)


def resolve_settings(given: Mapping[str, object]) -> dict[str, float | int | str]:
    """The full settings of one run (defaults filled in), each checked against its domain.

    A ``ValueError`` names the offending key and its domain. ``retrain_steps`` is dropped without
    ``retrain_fraction``, so the settings (the run store's key) hold only what changes the run.
    """
    unknown = sorted(set(given) - set(SETTINGS))
    if unknown:
        raise ValueError(f"train grokking: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(SETTINGS)}")
    values: dict[str, float | int | str] = dict(_SPEC.resolve(given))
    for key in INTEGER_KEYS & set(values):
        values[key] = int(values[key])
    pairs = values["p"] ** 2
    if not 1 <= round(values["fraction"] * pairs) <= pairs - 1:
        raise ValueError(f"fraction must leave at least one training and one test pair of the p^2 = {pairs}, "
                         f"got {values['fraction']}")
    if values["lr"] * values["weight_decay"] >= 1:
        raise ValueError("lr * weight_decay must be below 1 (AdamW scales the weights by 1 - lr * weight_decay "
                         f"each step), got {values['lr'] * values['weight_decay']:g}")
    if values["model"] == "transformer" and values["width"] % 4:
        raise ValueError(f"width must be a multiple of 4 for model=transformer (4 heads), got {values['width']}")
    if _activation_bytes(values) > MEMORY_BUDGET:
        raise ValueError(f"p and width: a pass over all p^2 = {pairs} pairs needs about "
                         f"{_activation_bytes(values) / 1e9:.0f} GB, over the {MEMORY_BUDGET / 1e9:.0f} GB budget; "
                         "lower p, width or embed")
    if "retrain_fraction" not in values:
        values.pop("retrain_steps")
    elif not 1 <= round(values["retrain_fraction"] * pairs) < round(values["fraction"] * pairs):
        raise ValueError(f"retrain_fraction must be in (0, fraction = {values['fraction']}) with at least one "
                         f"pair of the p^2 = {pairs}, got {values['retrain_fraction']}")
    return values
