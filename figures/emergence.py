"""Emergence figures: the critical-scale law and its table, the mirage, multiple choice vs Brier, quanta,
the loss threshold, multi-task emergence from circuit competition, finite test sets, the skill graph."""

from __future__ import annotations

import math

import numpy as np
from matplotlib import pyplot as plt

from derivations.emergence.finite import finite_test_illusion
from derivations.emergence.multitask import run_emergence
from derivations.emergence.skills import failing_skill_fraction, skill_graph, tail_predictions
from derivations.evaluate import evaluate
from derivations.grokking.phases import HuangSetting
from figures.registry import figure
from theory.emergence import DU, INFORMAL, MICHAUD, SCHAEFFER
from theory.emergence_data import CAPABILITY_TABLE, CAPABILITY_TABLE_SOURCE, WEI_EMERGENT_SCALES, WEI_SOURCE

ALPHAS = (1.0, 2.0, 3.2, 6.0, 20.0)
MIRAGE = {"c": 1.18e9, "alpha": -0.445}  # illustrative: per-token loss 3 nats at 1e8, 0.05 at 1e12
LENGTHS = (1, 2, 3, 4, 5)


# Legends and notes sit below their axes, where no data can be.
BELOW = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.2)}


def _legend_below(ax: plt.Axes, ncol: int = 1) -> None:
    ax.legend(ncol=ncol, **BELOW)


# --- critical-scale law ------------------------------------------------------------------------------
@figure("emergence_critical_scale",
        "P = 1 - exp(-(N/N_c)^alpha) for several alpha; an informal capability table's curves and N_c ranges",
        source=f"{INFORMAL}; table: {CAPABILITY_TABLE_SOURCE}; emergent sizes: {WEI_SOURCE}",
        settings={"alphas": ALPHAS})
def emergence_critical_scale(fast: bool) -> dict:
    ratio = np.geomspace(0.1, 10, 200 if fast else 600)
    out = {"ratio": ratio, "alpha": np.array(ALPHAS)}
    for a in ALPHAS:
        out[f"P_{a:g}"] = evaluate("emergence.critical_scale_probability", N=ratio, N_c=1.0, alpha=a)
    out["width"] = evaluate("emergence.critical_scale_width_ratio", alpha=np.array(ALPHAS))
    out["P_at_critical"] = np.array(evaluate("emergence.critical_scale_probability", N=1.0, N_c=1.0, alpha=1.0))
    scale = np.geomspace(1e9, 1e12, 200 if fast else 600)
    out["scale"] = scale
    for i, cap in enumerate(CAPABILITY_TABLE):
        centre = cap.critical_low if math.isinf(cap.critical_high) else math.sqrt(cap.critical_low * cap.critical_high)
        out[f"cap_{i}"] = evaluate("emergence.critical_scale_probability", N=scale, N_c=centre, alpha=cap.alpha)
        out[f"cap_range_{i}"] = np.array([cap.critical_low, min(cap.critical_high, scale[-1]), cap.alpha, centre])
    out["wei_parameters"] = np.array([row.parameters for row in WEI_EMERGENT_SCALES])
    return out


@emergence_critical_scale.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), gridspec_kw={"width_ratios": [1, 1, 0.7]})
    ax = axes[0]
    for a, w in zip(d["alpha"], d["width"]):
        ax.plot(d["ratio"], d[f"P_{a:g}"], label=rf"$\alpha$ = {a:g} (10–90% over $\times${w:.2g})")
    ax.axvline(1.0, color="0.5", lw=0.8)
    ax.axhline(float(d["P_at_critical"]), color="0.5", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel(r"$N/N_c$")
    ax.set_ylabel("P(emergence)")
    ax.set_title(r"A: critical-scale law, a step only as $\alpha\to\infty$" "\n"
                 r"(all cross $1 - 1/e$ at $N = N_c$, dotted)")
    _legend_below(ax, ncol=2)
    ax = axes[1]
    colours = [ax.plot(d["scale"], d[f"cap_{i}"])[0].get_color() for i in range(len(CAPABILITY_TABLE))]
    ax.set_xscale("log")
    ax.set_xlabel(r"parameters $N$")
    ax.set_ylabel("P(emergence)")
    ax.set_title("B: an informal capability table\n"
                 r"(uncited, unverified; $N_c$ at each range's centre)")
    ax = axes[2]
    rows = len(CAPABILITY_TABLE)
    for i, (cap, colour) in enumerate(zip(CAPABILITY_TABLE, colours)):
        lo, hi, _, centre = d[f"cap_range_{i}"]
        ax.plot([lo, hi], [i, i], color=colour, lw=5, solid_capstyle="butt")
        ax.plot(centre, i, "o", color="k", ms=3)
        if math.isinf(cap.critical_high):  # open-ended range: an arrow past the axis end
            ax.plot(hi, i, ">", color=colour, ms=7)
    ax.plot(d["wei_parameters"], np.full(d["wei_parameters"].size, rows), "o", mfc="none", color="k", ms=5)
    labels = [rf"{cap.name} ($\alpha$ = {cap.alpha:g})" for cap in CAPABILITY_TABLE]
    ax.set_yticks(range(rows + 1), [*labels, "Wei et al. 2022, Table 1"])
    ax.set_ylim(-0.6, rows + 0.6)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(d["scale"][0], d["scale"][-1] * 1.3)
    ax.set_xlabel(r"parameters $N$")
    # Row names on the right, clear of panel B's curves, in their curves' colours.
    ax.yaxis.tick_right()
    ax.yaxis.set_label_position("right")
    for tick, colour in zip(ax.yaxis.get_major_ticks(), [*colours, "k"]):
        tick.label2.set_color(colour)
    ax.set_ylabel("capability")
    ax.set_title(r"C: the table's $N_c$ ranges (colours as in B)" "\n"
                 "and Wei et al.'s emergent sizes (few-shot)")
    return fig


# --- the mirage ----------------------------------------------------------------------------------------
@figure("emergence_mirage",
        "per-token loss -> exact match and token edit distance, L = 1..5: longer targets shift exact match to "
        "larger N without sharpening it (same maximum slope per ln N); edit distance is a power law",
        source=f"{SCHAEFFER}, Fig. 2 A-C, E (constants illustrative)", settings={**MIRAGE, "lengths": LENGTHS})
def emergence_mirage(fast: bool) -> dict:
    n = np.geomspace(1e8, 1e13, 150 if fast else 500)
    out = {"N": n, "loss": evaluate("emergence.per_token_loss", N=n, **MIRAGE),
           "token": evaluate("emergence.token_probability", N=n, **MIRAGE), "L": np.array(LENGTHS, float)}
    for length in LENGTHS:
        out[f"acc_{length}"] = evaluate("emergence.exact_match_accuracy", N=n, L=length, **MIRAGE)
        out[f"ted_{length}"] = evaluate("emergence.token_edit_distance", N=n, L=length, **MIRAGE)
    out["inflection"] = evaluate("emergence.mirage_inflection_scale", L=out["L"], **MIRAGE)
    out["max_slope"] = np.array(evaluate("emergence.mirage_max_slope", alpha=MIRAGE["alpha"]))
    return out


@emergence_mirage.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.3))
    axes[0].loglog(d["N"], d["loss"])
    axes[1].semilogx(d["N"], d["token"])
    for length, star in zip(d["L"], d["inflection"]):
        (line,) = axes[2].semilogx(d["N"], d[f"acc_{length:g}"], label=f"$L$ = {length:g}")
        axes[2].plot(star, math.exp(-1), "o", color=line.get_color(), ms=4)
        axes[3].loglog(d["N"], d[f"ted_{length:g}"], color=line.get_color(), label=f"$L$ = {length:g}")
    axes[0].set_title(r"A: per-token loss $(N/c)^{\alpha}$" "\n")
    axes[1].set_title("B: p(token correct)\n(= exact match at $L$ = 1)")
    axes[2].set_title("C: exact match $p^L$: shifted by $L$, not sharper\n"
                      rf"(dots: 1/e; max slope {float(d['max_slope']):.3f} per $\ln N$ for every $L$)")
    axes[3].set_title("E: token edit distance $L(1-p)$\n" r"(a power law: slope $\alpha$ on log axes)")
    for ax, label in zip(axes, ["per-token loss (nats)", "probability", "exact-match accuracy",
                                "edit distance (tokens)"]):
        ax.set_xlabel(r"parameters $N$")
        ax.set_ylabel(label)
    axes[2].legend(loc="upper left")
    axes[3].legend(loc="upper right")
    return fig


# --- multiple choice vs Brier -----------------------------------------------------------------------------
@figure("emergence_multiple_choice",
        "multiple-choice grade (steps) vs Brier score (smooth) of 4-option items; below the crossover the model "
        "prefers a distractor, so both start worse than a uniform guess",
        source=f"{SCHAEFFER}, Fig. 2 D, F; multinomial logit with crossover scales spread over a factor 2",
        settings={"options": 4, "slope": 1.0, "items": 9})
def emergence_multiple_choice(fast: bool) -> dict:
    n = np.geomspace(1e7, 1e11, 200 if fast else 600)
    crossover = 1e9 * 2.0 ** np.linspace(-0.5, 0.5, 9)  # nine items of slightly different difficulty
    grade = evaluate("emergence.multiple_choice_grade", N=n[:, None], N_x=crossover[None, :]).mean(axis=1)
    brier = evaluate("emergence.brier_score", N=n[:, None], N_x=crossover[None, :], slope=1.0, K=4).mean(axis=1)
    mass = evaluate("emergence.choice_probability", N=n[:, None], N_x=crossover[None, :], slope=1.0, K=4).mean(axis=1)
    # Reference levels from the same forms: a uniform guess (the crossover itself, mass 1/K on the correct option)
    # and the small-model limit (all mass on the distractors).
    guess = {"N": 1.0, "N_x": 1.0, "slope": 1.0, "K": 4}
    wrong = {**guess, "N": 1e-200}
    levels = np.array([evaluate("emergence.choice_probability", **guess), evaluate("emergence.brier_score", **guess),
                       evaluate("emergence.brier_score", **wrong)])
    return {"N": n, "grade": grade, "brier": brier, "mass": mass, "levels": levels}


@emergence_multiple_choice.plot
def _(d: dict) -> plt.Figure:
    chance, brier_guess, brier_wrong = d["levels"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    axes[0].semilogx(d["N"], d["grade"], label="multiple-choice grade (9 items)")
    axes[0].semilogx(d["N"], d["mass"], label="mass on the correct option")
    axes[0].axhline(chance, color="0.5", lw=0.8, ls=":", label=f"uniform guess ({chance:.2g})")
    axes[0].set_title("D: the grade jumps from 0 to 1")
    axes[0].set_ylabel("grade, probability")
    axes[1].semilogx(d["N"], d["brier"], label="Brier score")
    axes[1].axhline(brier_guess, color="0.5", lw=0.8, ls=":", label=f"uniform guess ({brier_guess:.2g})")
    axes[1].axhline(brier_wrong, color="0.5", lw=0.8, ls="--",
                    label=f"all mass on the distractors ({brier_wrong:.3g})")
    axes[1].set_title("F: the Brier score falls smoothly")
    axes[1].set_ylabel("Brier score (lower is better)")
    for ax in axes:
        ax.set_xlabel(r"parameters $N$")
        _legend_below(ax)
    fig.text(0.5, -0.24, r"Below the crossover $N_\times$ the correct option's logit is below the distractors': "
             "the model prefers a wrong option, so the grade is 0, under the uniform guess's 1/4,\n"
             "and the Brier score starts near its all-on-distractors value, above the uniform guess's. Both pass "
             r"the uniform-guess level at $N_\times$ (items spread over a factor 2 around $10^9$).",
             ha="center", va="top", fontsize=8)
    return fig


# --- quanta ---------------------------------------------------------------------------------------------
QUANTA_LOSSES = {"a": 0.0, "b": 1.0}
QUANTA = {"alpha": 0.4, **QUANTA_LOSSES}


@figure("emergence_quanta", "per-quantum steps summing to a power law in N; data scaling with alpha/(alpha+1)",
        source=f"{MICHAUD}, Fig. 2 (theory lines)", settings={**QUANTA, "parameters_per_quantum": 1.0})
def emergence_quanta(fast: bool) -> dict:
    n = np.geomspace(0.5, 1e5, 300 if fast else 1000)  # N / C: the model holds floor(n) quanta
    shown = np.array([1.0, 3.0, 10.0, 30.0, 100.0, 300.0])
    out = {"n": n, "k": shown,
           "discrete": evaluate("emergence.quanta_loss_discrete", n=np.floor(n), **QUANTA),
           "continuum": evaluate("emergence.quanta_loss", n=n, **QUANTA)}
    # Loss on quantum k's samples, b until the model holds k quanta, a after (the mean weighs them by p_k).
    out["steps"] = evaluate("emergence.quanta_sample_loss", k=shown[:, None], n=np.floor(n)[None, :], **QUANTA_LOSSES)
    data = np.geomspace(1e3, 1e9, 60)
    out["D"] = data
    out["loss_D"] = evaluate("emergence.quanta_loss_of_data", D=data, tau=10.0, **QUANTA)
    out["exponents"] = np.array([evaluate("emergence.quanta_parameter_exponent", alpha=QUANTA["alpha"]),
                                 evaluate("emergence.quanta_data_exponent", alpha=QUANTA["alpha"])])
    return out


@emergence_quanta.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.3))
    for k, step in zip(d["k"], d["steps"]):
        axes[0].semilogx(d["n"], step, drawstyle="steps-post", label=f"quantum {k:g}")
    axes[0].set_title("per-quantum loss: a step when quantum $k$ is learned")
    axes[0].set_ylabel("loss on the quantum's samples")
    axes[0].legend()
    axes[1].loglog(d["n"], d["discrete"], drawstyle="steps-post", label="sum over quanta (discrete)")
    axes[1].loglog(d["n"], d["continuum"], ls="--", label=rf"continuum $\propto n^{{-{d['exponents'][0]:.2g}}}$")
    axes[1].set_title("their sum is a power law")
    axes[1].set_ylabel("mean loss minus $a$")
    axes[1].legend()
    for ax in axes[:2]:
        ax.set_xlabel("quanta held $n = N/C$")
    axes[2].loglog(d["D"], d["loss_D"], label=rf"slope $-\alpha/(\alpha+1)$ = $-${d['exponents'][1]:.3g}")
    axes[2].set_xlabel(r"training examples $D$ ($\tau$ = 10)")
    axes[2].set_ylabel("mean loss minus $a$")
    axes[2].set_title("data scaling")
    axes[2].legend()
    return fig


# --- loss threshold --------------------------------------------------------------------------------------------
THRESHOLD_LAW = {"L_inf": 1.7, "N0": 1e9, "alpha_N": 0.3}
ETAS = (2.0, 2.2, 2.4)


@figure("emergence_loss_threshold", "performance f(L) H(eta - L) vs loss, and vs N through L(N) = L_inf + (N0/N)^a",
        source=f"{DU}, §4 and Fig. 1 (constants illustrative)", settings={**THRESHOLD_LAW, "etas": ETAS})
def emergence_loss_threshold(fast: bool) -> dict:
    loss = np.linspace(1.7, 3.2, 200 if fast else 600)
    n = np.geomspace(1e7, 1e13, 200 if fast else 600)
    out = {"loss": loss, "N": n, "eta": np.array(ETAS)}
    for eta in ETAS:
        out[f"vs_loss_{eta:g}"] = evaluate("emergence.threshold_performance", loss=loss, eta=eta, L_min=1.7)
        out[f"vs_N_{eta:g}"] = evaluate("emergence.threshold_performance_of_scale", N=n, eta=eta, L_min=1.7,
                                        **THRESHOLD_LAW)
    out["threshold_scale"] = evaluate("emergence.loss_threshold_scale", eta=out["eta"], **THRESHOLD_LAW)
    return out


@emergence_loss_threshold.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.3))
    for eta, n_eta in zip(d["eta"], d["threshold_scale"]):
        mantissa, exponent = f"{n_eta:.1e}".split("e")
        (line,) = axes[0].plot(d["loss"], d[f"vs_loss_{eta:g}"], label=rf"$\eta$ = {eta:g}")
        axes[1].semilogx(d["N"], d[f"vs_N_{eta:g}"], color=line.get_color(),
                         label=rf"$\eta$ = {eta:g}: $N_\eta = {mantissa}\times10^{{{int(exponent)}}}$")
        axes[1].axvline(n_eta, color=line.get_color(), lw=0.8, ls=":")
    axes[0].invert_xaxis()
    axes[0].set_xlabel(r"pre-training loss $\mathcal{L}$ (decreasing)")
    axes[0].set_title(r"at chance until the loss falls below $\eta$")
    axes[1].set_xlabel(r"parameters $N$")
    axes[1].set_title(r"the same ability vs $N$: emerges at $N_\eta$ (dotted)")
    for ax in axes:
        ax.set_ylabel("normalized performance (0: chance)")
    axes[0].legend(loc="upper left")
    _legend_below(axes[1])
    return fig


# --- multi-task emergence -----------------------------------------------------------------------------------------
MULTITASK = {"memorization_data": (0.0, 3000.0, 6000.0, 24000.0), "difficulty": (0.7, 1.0, 2.0)}
MULTITASK_RANGE = {"model_min": 10.0, "model_max": 3000.0}


@figure("emergence_multitask",
        "normalized validation accuracy of an algorithmic task trained with random-label data vs model size: "
        "later and sharper with more random labels, much later for a harder task; where the transition sits",
        source="Huang et al. 2024, arXiv 2402.15175, §5 Fig. 8 (shared-capacity two-circuit model)",
        settings={"algorithmic_data": 3000.0, **MULTITASK, **MULTITASK_RANGE})
def emergence_multitask(fast: bool) -> dict:
    points = 31 if fast else 121
    out: dict[str, np.ndarray] = {}
    cases = [("mem", v, {"memorization_data": v}) for v in MULTITASK["memorization_data"]]
    cases += [("diff", v, {"difficulty": v}) for v in MULTITASK["difficulty"]]
    for kind, value, kw in cases:
        run = run_emergence(points=points, **MULTITASK_RANGE, **kw)
        out["model_size"] = run["model_size"]
        key = f"{kind}_{value:g}"
        out[f"{key}_validation"] = run["normalized_validation"]
        out[f"{key}_summary"] = np.array([run["transition_scale"], run["transition_alpha"],
                                          run["predicted_transition_scale"], run["capacity_threshold"]])
    # Where the transition sits as the random labels grow: the closed-form crossing w_G = w_M, and the size whose
    # whole capacity the random labels fill.
    cv = HuangSetting().curve_values()
    random_labels = np.linspace(0.0, 30000.0, 61)
    out["random_labels"] = random_labels
    out["predicted_vs_random"] = evaluate("emergence.multitask_transition_scale", D=3000.0, D_r=random_labels,
                                          A_mem=cv["A_mem"], mu=cv["mu"], B_crit=cv["B_crit"], nu=cv["nu"])
    out["filled_vs_random"] = evaluate("huang.dip_window_start", D=random_labels[1:], A_mem=cv["A_mem"],
                                       mu=cv["mu"])
    return out


@emergence_multitask.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.6))
    for ax, kind, name in ((axes[0], "mem", "$D_r$"), (axes[1], "diff", "difficulty")):
        for value in MULTITASK["memorization_data" if kind == "mem" else "difficulty"]:
            key = f"{kind}_{value:g}"
            m_c, alpha, predicted, _ = d[f"{key}_summary"]
            score = d[f"{key}_validation"]
            (line,) = ax.semilogx(d["model_size"], score,
                                  label=rf"{name} = {value:g}: fitted $M_c$ = {m_c:.3g}, $\alpha$ = {alpha:.2g}")
            at = np.interp(np.log(predicted), np.log(d["model_size"]), score)
            ax.plot(predicted, at, "o", color=line.get_color(), ms=4)
        ax.set_xlim(d["model_size"][0], d["model_size"][-1])
        ax.set_xlabel(r"model size $M$ (hidden width)")
        ax.set_ylabel("validation accuracy, normalized\n(0: memorizer alone, 1: perfect)")
        _legend_below(ax)
    axes[0].set_title("A: more random-label examples $D_r$: later and sharper\n"
                      r"(dots: $w_G = w_M$, closed form)")
    axes[1].set_title("B: a harder algorithmic task: much later\n($D_r$ = 6000)")
    ax = axes[2]
    ax.plot(d["random_labels"], d["predicted_vs_random"], color="k", label=r"$w_G = w_M$ (closed form)")
    ax.plot(d["random_labels"][1:], d["filled_vs_random"], color="0.5", ls="--",
            label=r"random labels fill the capacity, $A M^{\mu} = D_r$")
    for i, value in enumerate(MULTITASK["memorization_data"]):
        ax.plot(value, d[f"mem_{value:g}_summary"][0], "s", color=f"C{i}", ms=5,
                label=r"fitted $M_c$, where the law reaches $1 - 1/e$ (colours as in A)" if i == 0 else None)
    ax.set_xlabel("random-label examples $D_r$")
    ax.set_ylabel(r"model size $M$")
    ax.set_title("C: where the transition sits\n(algorithmic data $D$ = 3000)")
    _legend_below(ax)
    return fig


# --- finite test sets ----------------------------------------------------------------------------------------------
TEST_SIZES = (10, 100, 1000, 10000)


@figure("emergence_finite_test", "a smooth exact-match curve read on finite test sets: apparent jumps and thresholds",
        source=f"{SCHAEFFER}, App. A (resolution); binomial sampling, seed 0", settings={**MIRAGE, "L": 5,
                                                                                      "test_sizes": TEST_SIZES})
def emergence_finite_test(fast: bool) -> dict:
    scales = np.geomspace(1e8, 1e12, 41 if fast else 81)
    return finite_test_illusion(scales, TEST_SIZES, length=5, repeats=200 if fast else 1000, seed=0, **MIRAGE)


@emergence_finite_test.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    axes[0].semilogx(d["scale"], d["accuracy"], color="k", label="expected accuracy")
    for n_test, observed in zip(d["test_size"], d["example_observed"]):
        axes[0].semilogx(d["scale"], observed, marker=".", ms=3, lw=0.8, label=f"{n_test:g} test items")
    axes[0].set_xlabel(r"parameters $N$")
    axes[0].set_yscale("symlog", linthresh=1e-3)
    axes[0].set_ylabel(r"exact match ($L$ = 5; linear below $10^{-3}$)")
    axes[0].set_title("one sampled reading per test-set size: exactly 0, then a jump")
    axes[0].legend()
    lo, mid, hi = np.percentile(d["apparent_threshold"], [10, 50, 90], axis=1)
    axes[1].errorbar(d["test_size"], mid, yerr=[mid - lo, hi - mid], fmt="o",
                     label="first nonzero reading (median, 10–90%)")
    axes[1].loglog(d["test_size"], d["resolution_scale"], "--", label=r"resolution scale: Acc = $1/n_{\mathrm{test}}$")
    axes[1].set_xscale("log")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("test-set size")
    axes[1].set_ylabel(r"apparent emergence scale $N$")
    axes[1].set_title("the apparent threshold moves with the test set")
    axes[1].legend()
    return fig


# --- skill graph ------------------------------------------------------------------------------------------------------
@figure("emergence_skill_graph", "fraction of skills failing vs error fraction: Monte Carlo, binomial tail, bound",
        source="Arora and Goyal 2023, arXiv 2307.15936, Thm. 8 type (Chernoff overlay: reconstruction)",
        settings={"skills": 300, "pieces": 3000, "k": 3, "beta_s": 1.5, "seed": 0})
def emergence_skill_graph(fast: bool) -> dict:
    rng = np.random.default_rng(np.random.SeedSequence(0))
    pieces = skill_graph(300, 3000, 3, rng)
    theta = np.linspace(0.02, 0.4, 12 if fast else 30)
    sample = np.array([failing_skill_fraction(pieces, 300, t, 1.5, rng, repeats=50 if fast else 200) for t in theta])
    predicted = np.array([tail_predictions(pieces, 300, t, 1.5) for t in theta])
    return {"theta": theta, "mc_mean": sample.mean(axis=1), "mc_std": sample.std(axis=1),
            "exact": predicted[:, 0], "bound": predicted[:, 1]}


@emergence_skill_graph.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    ax.errorbar(d["theta"], d["mc_mean"], yerr=d["mc_std"], fmt="o", ms=3,
                label="Monte Carlo (mean ± 1 s.d. over failure sets)")
    ax.plot(d["theta"], d["exact"], label="binomial tail, averaged over degrees")
    ax.plot(d["theta"], np.minimum(d["bound"], 1), ls="--", label="Chernoff bound (reconstruction)")
    ax.set_xlabel(r"error fraction $\theta$ (text pieces failed)")
    ax.set_ylabel(r"fraction of skills with failure rate $\geq 1.5\,\theta$")
    ax.set_title("Skill graph: 300 skills, 3000 pieces, 3 skills each")
    ax.legend()
    return fig
