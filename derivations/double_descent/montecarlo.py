"""The random processes behind the double-descent formulas, simulated directly and vectorized over repeats.

Each function draws ``repeats`` independent data sets from a ``numpy.random.Generator`` (pass one
built from a ``SeedSequence`` for reproducible output) and returns one value per repeat, so callers
get both the mean and its standard error (:class:`Draws`). Nothing here evaluates a risk formula:
estimators are fitted by SVD or by running gradient descent, and risks are measured on the fitted
coefficients (or on fresh test points where no population expression is at hand). Arguments are
checked first: a ``ValueError`` names any that is out of its domain, rather than a NaN risk coming back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivations.evaluate import check_domain
from theory.symbols import CLOSED_UNIT_INTERVAL, COUNT, NONNEGATIVE, NONNEGATIVE_INTEGER, POSITIVE, REAL, Domain

RANK_TOLERANCE = 1e-7  # singular values below this times the largest count as zero (pseudo-inverse); the
# Gram route below resolves singular values down to ~1e-8 of the largest
REPEATS = Domain(2.0, lo_closed=True, integer=True)  # two draws at least, so the standard error is defined


@dataclass(frozen=True)
class Draws:
    """Per-repeat samples of a risk and of its parts; ``mean`` and ``se`` along the first axis."""

    risk: np.ndarray
    bias: np.ndarray | None = None
    variance: np.ndarray | None = None

    @staticmethod
    def mean(values: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # a sum past the float range is an infinite mean, reported as inf
            return np.mean(values, axis=0)

    @staticmethod
    def se(values: np.ndarray) -> np.ndarray:
        """Standard error of the mean over repeats (+inf where a repeat is +inf: a diverged run, never NaN)."""
        finite = np.all(np.isfinite(values), axis=0)
        with np.errstate(over="ignore", invalid="ignore"):
            spread = np.std(values, axis=0, ddof=1)
        return np.where(finite, spread, np.inf) / np.sqrt(values.shape[0])


def rng_from(seed: int | np.random.SeedSequence | np.random.Generator) -> np.random.Generator:
    """A Generator from a seed, a SeedSequence or a Generator (returned as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed))


def _sphere(rng: np.random.Generator, shape: tuple[int, ...], radius: float | np.ndarray) -> np.ndarray:
    """Uniform points on the sphere of the given radius in the last axis."""
    g = rng.standard_normal(shape)
    return g * (np.asarray(radius)[..., None] / np.linalg.norm(g, axis=-1, keepdims=True))


def _pseudo_inverse(s: np.ndarray) -> np.ndarray:
    """1/s on the non-zero singular values, 0 on the others (the pseudo-inverse's spectral filter)."""
    keep = s > RANK_TOLERANCE * s.max(axis=-1, keepdims=True)
    return np.where(keep, 1 / np.where(keep, s, 1.0), 0.0)


def _singular_values(x: np.ndarray) -> np.ndarray:
    """Singular values (descending) from the eigenvalues of the smaller Gram matrix."""
    t = np.swapaxes(x, -1, -2)
    gram = x @ t if x.shape[-2] <= x.shape[-1] else t @ x
    return np.sqrt(np.clip(np.linalg.eigvalsh(gram)[..., ::-1], 0.0, None))


def _svd(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thin SVD u s vt of a batch, through the eigendecomposition of the smaller Gram matrix.

    Batched LAPACK SVD is orders of magnitude slower than this on a loaded multi-core machine; squaring
    the condition number is harmless at the sizes simulated here. Zero singular values get zero
    vectors on the other side (every consumer gives them a zero filter).
    """
    t = np.swapaxes(x, -1, -2)
    wide = x.shape[-2] <= x.shape[-1]
    eigenvalues, vectors = np.linalg.eigh(x @ t if wide else t @ x)
    s = np.sqrt(np.clip(eigenvalues[..., ::-1], 0.0, None))
    vectors = vectors[..., ::-1]
    live = s > RANK_TOLERANCE * s.max(axis=-1, keepdims=True)
    inverse = np.where(live, 1 / np.where(live, s, 1.0), 0.0)
    if wide:
        return vectors, s, (np.swapaxes(vectors, -1, -2) @ x) * inverse[..., None]
    return (x @ vectors) * inverse[..., None, :], s, np.swapaxes(vectors, -1, -2)


def _check(domain: Domain, **values: object) -> None:
    """A ``ValueError`` naming the first argument that is not a number in ``domain`` (arrays checked elementwise)."""
    for name, value in values.items():
        check_domain(name, value, domain)


def _times(matrices: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Batched matrix-vector products (matmul: einsum's unoptimized loops are many times slower here)."""
    return (matrices @ vectors[..., None])[..., 0]


def _fit(x: np.ndarray, targets: np.ndarray, ridge: float) -> np.ndarray:
    """Ridge (penalty ``ridge`` on X'X) or min-norm (ridge = 0) coefficients, one column per target column.

    Solves with the smaller Gram matrix: X'(XX' + ridge)^-1 Y when over-parameterized, else
    (X'X + ridge)^-1 X'Y; at ridge = 0 both are the pseudo-inverse solution for a full-rank design.
    """
    n, p = x.shape[-2:]
    t = np.swapaxes(x, -1, -2)
    if n < p:
        return t @ np.linalg.solve(x @ t + ridge * np.eye(n), targets)
    return np.linalg.solve(t @ x + ridge * np.eye(p), t @ targets)


def least_squares(
    rng: np.random.Generator, n: int, p: int, lam: float, r2: float, sigma2: float, repeats: int
) -> Draws:
    """Ridge (penalty n lam ||b||^2) or, at lam = 0, min-norm least squares on x ~ N(0, I_p).

    beta is uniform on the sphere of radius sqrt(r2); the excess risk ||beta_hat - beta||^2 splits
    into bias (signal part of the error) and variance (noise part), whose cross term has mean 0.
    """
    _check(COUNT, n=n, p=p)
    _check(NONNEGATIVE, lam=lam, r2=r2, sigma2=sigma2)
    _check(REPEATS, repeats=repeats)
    x = rng.standard_normal((repeats, n, p))
    beta = _sphere(rng, (repeats, p), np.sqrt(r2))
    noise = np.sqrt(sigma2) * rng.standard_normal((repeats, n))
    coef = _fit(x, np.stack([_times(x, beta), noise], axis=-1), n * lam)
    signal, fitted_noise = coef[..., 0] - beta, coef[..., 1]
    bias = np.sum(signal**2, axis=-1)
    variance = np.sum(fitted_noise**2, axis=-1)
    return Draws(np.sum((signal + fitted_noise) ** 2, axis=-1), bias, variance)


def least_squares_two_level(
    rng: np.random.Generator, n: int, p: int, s_a: float, s_b: float, w: float, v: float, r2: float, sigma2: float,
    repeats: int,
) -> Draws:
    """Min-norm least squares with x ~ N(0, Sigma), Sigma = diag(s_a on p - round(w p) features, s_b on the rest).

    beta is uniform on the sphere of radius sqrt((1 - v) r2) within the s_a block and sqrt(v r2) within the
    s_b block; risk = ||beta_hat - beta||_Sigma^2, split into bias (signal) and variance (noise) parts.
    """
    _check(COUNT, n=n, p=p)
    _check(POSITIVE, s_a=s_a, s_b=s_b)
    _check(CLOSED_UNIT_INTERVAL, w=w, v=v)
    _check(NONNEGATIVE, r2=r2, sigma2=sigma2)
    _check(REPEATS, repeats=repeats)
    in_b = np.arange(p) >= p - round(w * p)
    variances = np.where(in_b, s_b, s_a)
    x = rng.standard_normal((repeats, n, p)) * np.sqrt(variances)
    beta = np.zeros((repeats, p))
    for block, energy in ((~in_b, (1 - v) * r2), (in_b, v * r2)):
        if block.any():
            beta[:, block] = _sphere(rng, (repeats, int(block.sum())), np.sqrt(energy))
    noise = np.sqrt(sigma2) * rng.standard_normal((repeats, n))
    coef = _fit(x, np.stack([_times(x, beta), noise], axis=-1), 0.0)
    signal, fitted_noise = coef[..., 0] - beta, coef[..., 1]
    bias = np.sum(variances * signal**2, axis=-1)
    variance = np.sum(variances * fitted_noise**2, axis=-1)
    return Draws(np.sum(variances * (signal + fitted_noise) ** 2, axis=-1), bias, variance)


def least_squares_given_design(
    rng: np.random.Generator, n: int, p: int, lam: float | np.ndarray, r2: float, sigma2: float, repeats: int
) -> Draws:
    """Bias and variance of ridge / min-norm LS averaged over beta (uniform on its sphere) and noise, per design.

    Only the Gaussian design is random: given its singular values s_i (and p - rank zero ones), the
    bias is r2/p sum (n lam/(s_i^2 + n lam))^2 and the variance sigma2 sum f_i^2 (Hastie et al. §2,
    the finite-X decomposition). Much lower sampling noise than :func:`least_squares`. ``lam`` may be
    an array: every penalty reuses the same designs (output shape (repeats, *lam.shape)).
    """
    _check(COUNT, n=n, p=p)
    _check(NONNEGATIVE, lam=lam, r2=r2, sigma2=sigma2)
    _check(REPEATS, repeats=repeats)
    s = _singular_values(rng.standard_normal((repeats, n, p)))
    lam = np.asarray(lam, dtype=float)
    s = s.reshape(s.shape[:1] + (1,) * lam.ndim + s.shape[1:])
    ridge = (n * lam)[..., None]
    if np.all(lam > 0):
        f = s / (s**2 + ridge)
        shrunk = ridge / (s**2 + ridge)
    elif np.all(lam == 0):
        f = _pseudo_inverse(s)
        shrunk = (f == 0).astype(float)
    else:
        raise ValueError("lam must be all positive or all zero")
    unseen = p - s.shape[-1]  # directions outside the row space keep the whole signal
    bias = r2 / p * (np.sum(shrunk**2, axis=-1) + unseen)
    variance = sigma2 * np.sum(f**2, axis=-1)
    return Draws(bias + variance, bias, variance)


def random_subset(
    rng: np.random.Generator, n: int, big_d: int, p: int, w2: float, sigma2: float, repeats: int
) -> Draws:
    """Full test MSE (noise included) of min-norm LS on p of big_d Gaussian features chosen at random.

    The coefficients w are uniform on the sphere of radius sqrt(w2); the unused features' signal acts
    as noise for the learner (Belkin-Hsu-Xu §2).
    """
    _check(COUNT, n=n, big_d=big_d)
    _check(NONNEGATIVE_INTEGER, p=p)
    if p > big_d:
        raise ValueError(f"p must be at most big_d (a subset of the features), got p = {p} > big_d = {big_d}")
    _check(NONNEGATIVE, w2=w2, sigma2=sigma2)
    _check(REPEATS, repeats=repeats)
    w = _sphere(rng, (repeats, big_d), np.sqrt(w2))
    x = rng.standard_normal((repeats, n, big_d))
    y = _times(x, w) + np.sqrt(sigma2) * rng.standard_normal((repeats, n))
    chosen = np.argsort(rng.random((repeats, big_d)), axis=-1)[:, :p]
    w_hat = np.zeros_like(w)
    if p > 0:
        coef = _fit(np.take_along_axis(x, chosen[:, None, :], axis=-1), y[..., None], 0.0)[..., 0]
        np.put_along_axis(w_hat, chosen, coef, axis=-1)
    return Draws(np.sum((w_hat - w) ** 2, axis=-1) + sigma2)


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def random_features(
    rng: np.random.Generator, d: int, n_features: int, n: int, lam: float, F1sq: float, tau2: float,
    Fstar2: float, repeats: int, n_test: int = 1000,
) -> Draws:
    """Test excess risk of ridge regression on random ReLU features (Mei-Montanari §2), measured on fresh points.

    x and the feature directions are uniform on the sphere of radius sqrt(d); the target is
    <beta1, x> + f_NL(x) with ||beta1||^2 = F1sq and f_NL = sqrt(Fstar2 (d+2)/d) x_1 x_2 (degree 2,
    orthogonal to affine functions, E f_NL^2 = Fstar2); labels add noise of variance tau2. The
    penalty is (n_features lam/d) ||a||^2 on the mean squared loss; lam = 0 is the min-norm fit.
    """
    check_domain("d", d, Domain(2.0, lo_closed=True, integer=True), "the target uses coordinates x_1 and x_2")
    _check(COUNT, n_features=n_features, n=n, n_test=n_test)
    _check(NONNEGATIVE, lam=lam, F1sq=F1sq, tau2=tau2, Fstar2=Fstar2)
    _check(REPEATS, repeats=repeats)
    theta = _sphere(rng, (repeats, n_features, d), np.sqrt(d))
    beta = _sphere(rng, (repeats, d), np.sqrt(F1sq))
    nonlinear = np.sqrt(Fstar2 * (d + 2) / d)

    def draw(count: int) -> tuple[np.ndarray, np.ndarray]:
        x = _sphere(rng, (repeats, count, d), np.sqrt(d))
        target = _times(x, beta) + nonlinear * x[..., 0] * x[..., 1]
        return relu(x @ np.swapaxes(theta, -1, -2) / np.sqrt(d)), target

    z, f_train = draw(n)
    y = f_train + np.sqrt(tau2) * rng.standard_normal((repeats, n))
    coef = _fit(z, y[..., None], n * n_features * lam / d)[..., 0]
    z_test, f_test = draw(n_test)
    return Draws(np.mean((_times(z_test, coef) - f_test) ** 2, axis=-1))


@dataclass(frozen=True)
class FlowDraws:
    """Per-repeat excess risk (with its bias and variance parts) and training error along ``t`` ((repeats, t))."""

    t: np.ndarray
    risk: np.ndarray
    training_error: np.ndarray
    bias: np.ndarray
    variance: np.ndarray


def gradient_flow(
    rng: np.random.Generator, n_params: int, n_samples: int, t: np.ndarray, sigma_w0_2: float,
    sigma_wbar_2: float, sigma_eps_2: float, repeats: int,
) -> FlowDraws:
    """Gradient flow dw/dt = X(y - X'w) on sampled data (Advani-Saxe §2), solved exactly per repeat.

    X has N(0, 1/N) entries (N = n_params, P = n_samples columns); the flow is linear, so it is solved
    in the singular basis of X: each mode relaxes as e^{-s^2 t}, the null space of X' stays frozen.
    Excess risk = ||w(t) - w_bar||^2 / N; training error = ||y - X'w(t)||^2 / P.
    """
    _check(COUNT, n_params=n_params, n_samples=n_samples)
    _check(NONNEGATIVE, t=t, sigma_w0_2=sigma_w0_2, sigma_wbar_2=sigma_wbar_2, sigma_eps_2=sigma_eps_2)
    _check(REPEATS, repeats=repeats)
    t = np.asarray(t, dtype=float)
    x = rng.standard_normal((repeats, n_params, n_samples)) / np.sqrt(n_params)
    error0 = np.sqrt(sigma_w0_2 + sigma_wbar_2) * rng.standard_normal((repeats, n_params))  # w(0) - w_bar
    noise = np.sqrt(sigma_eps_2) * rng.standard_normal((repeats, n_samples))
    u, s, vt = _svd(x)
    e_modes = _times(np.swapaxes(u, -1, -2), error0)
    eps_modes = _times(vt, noise)
    frozen = np.sum(error0**2, axis=-1) - np.sum(e_modes**2, axis=-1)
    unfit_noise = np.sum(noise**2, axis=-1) - np.sum(eps_modes**2, axis=-1)
    decay = np.exp(-(s**2)[:, None, :] * t[None, :, None])  # (repeats, t, modes)
    live = s > RANK_TOLERANCE * s.max(axis=-1, keepdims=True)
    target = np.where(live, eps_modes / np.where(live, s, 1.0), e_modes)  # a frozen mode stays at e(0)
    # e(t) = initial error relaxed (bias part; frozen modes keep it) + noise fitted so far (variance part).
    signal_t = e_modes[:, None, :] * np.where(live[:, None, :], decay, 1.0)
    noise_t = np.where(live, target, 0.0)[:, None, :] * (1 - decay)
    residual_t = (eps_modes - s * e_modes)[:, None, :] * decay
    risk = (frozen[:, None] + np.sum((signal_t + noise_t) ** 2, axis=-1)) / n_params
    bias = (frozen[:, None] + np.sum(signal_t**2, axis=-1)) / n_params
    variance = np.sum(noise_t**2, axis=-1) / n_params
    training = (unfit_noise[:, None] + np.sum(residual_t**2, axis=-1)) / n_samples
    return FlowDraws(t, risk, training, bias, variance)


def gradient_descent_two_scale(
    rng: np.random.Generator, n: int, steps: np.ndarray, sigma2: float, scales: tuple[float, float],
    coefs: tuple[float, float], step_sizes: tuple[float, float], repeats: int,
) -> Draws:
    """Excess risk after k steps of gradient descent on (1/2n)||y - X theta||^2 from 0 (Heckel-Yilmaz §3).

    x ~ N(0, diag(scales^2)); per-feature step sizes; risk = sum_i scale_i^2 (theta_i^k - theta*_i)^2
    at each k in ``steps`` (shape (repeats, len(steps))). One step is the affine map
    theta -> (I - E H) theta + E m (E the step sizes, H and m the sample moments), so the k-th iterate is
    that map's k-th power, taken by repeated squaring: the same iterates as a loop over k, in O(log k)
    work. Where a draw's Hessian makes the steps too large, gradient descent diverges and the risk is
    +inf (never NaN).
    """
    _check(COUNT, n=n)
    _check(NONNEGATIVE_INTEGER, steps=steps)
    if np.any(np.diff(steps) < 0):
        raise ValueError("steps must be non-decreasing (gradient descent runs forward once)")
    _check(NONNEGATIVE, sigma2=sigma2)
    _check(POSITIVE, scales=scales, step_sizes=step_sizes)
    _check(REAL, coefs=coefs)
    _check(REPEATS, repeats=repeats)
    steps = np.asarray(steps, dtype=np.int64)
    scales, coefs, eta = (np.asarray(v, dtype=float) for v in (scales, coefs, step_sizes))
    x = rng.standard_normal((repeats, n, 2)) * scales
    y = x @ coefs + np.sqrt(sigma2) * rng.standard_normal((repeats, n))
    hessian = np.swapaxes(x, -1, -2) @ x / n
    moment = _times(np.swapaxes(x, -1, -2), y) / n
    # The step in homogeneous coordinates: [theta; 1] -> [[I - E H, E m], [0, 1]] [theta; 1].
    one_step = np.zeros((repeats, 3, 3))
    one_step[:, :2, :2] = np.eye(2) - eta[:, None] * hessian
    one_step[:, :2, 2] = eta * moment
    one_step[:, 2, 2] = 1.0
    state = np.zeros((repeats, 3))
    state[:, 2] = 1.0
    out = np.empty((repeats, steps.size))
    done = 0
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run overflows; it is reported as inf
        for j, k in enumerate(steps):
            state = _times(np.linalg.matrix_power(one_step, int(k - done)), state)
            done = k
            risk = np.sum(scales**2 * (state[:, :2] - coefs) ** 2, axis=-1)
            out[:, j] = np.where(np.isfinite(risk), risk, np.inf)
    return Draws(out)


@dataclass(frozen=True)
class AblationCurves:
    """Test MSE vs number of training samples, unablated and with each of Schaeffer et al.'s three ablations."""

    n_train: np.ndarray
    n_params: int
    unablated: np.ndarray
    no_small_singular_values: np.ndarray  # (len(cutoffs), len(n_train))
    test_in_leading_subspace: np.ndarray
    no_residuals: np.ndarray
    train_mse: np.ndarray
    smallest_singular_value: np.ndarray


def ablations(
    rng: np.random.Generator, n_train: np.ndarray, n_params: int = 20, n_latent: int = 30,
    cutoffs: tuple[float, ...] = (1.0,), leading: int = 5, repeats: int = 50, n_test: int = 500,
) -> AblationCurves:
    """Schaeffer et al. (2023) §3 student-teacher: y = x_bar . beta_bar on 30 latent features, first 20 seen.

    Min-norm LS on N training points, unablated; (a) singular values below each of ``cutoffs`` dropped
    from the pseudo-inverse (one curve per cutoff, first axis); (b) test points projected on the
    ``leading`` right singular vectors; (c) training targets replaced by their best linear prediction (no
    residuals). Test MSE is against the true targets. Also the mean smallest non-zero singular value of
    the seen features: its dip at N = P is the peak's cause.
    """
    _check(COUNT, n_train=n_train, n_params=n_params, n_latent=n_latent, leading=leading, n_test=n_test)
    if n_params > n_latent:
        raise ValueError(f"n_params must be at most n_latent (the seen features are some of the latent ones), got "
                         f"{n_params} > {n_latent}")
    _check(NONNEGATIVE, cutoffs=cutoffs)
    _check(REPEATS, repeats=repeats)
    n_train = np.asarray(n_train, dtype=int)
    beta = rng.standard_normal((repeats, n_latent))
    ideal = beta[:, :n_params]  # best linear predictor on the seen features (latent features independent)
    x_test = rng.standard_normal((repeats, n_test, n_latent))
    y_test = _times(x_test, beta)
    seen_test = x_test[..., :n_params]

    def fit(u: np.ndarray, vt: np.ndarray, targets: np.ndarray, filt: np.ndarray) -> np.ndarray:
        return _times(np.swapaxes(vt, -1, -2), filt * _times(np.swapaxes(u, -1, -2), targets))

    def test_mse(coef: np.ndarray, x_eval: np.ndarray = seen_test) -> np.ndarray:
        return np.mean((_times(x_eval, coef) - y_test) ** 2, axis=-1)

    curves = {k: np.empty((repeats, n_train.size)) for k in ("plain", "lead", "clean", "train", "smin")}
    curves["cut"] = np.empty((repeats, len(cutoffs), n_train.size))
    for j, count in enumerate(n_train):
        x = rng.standard_normal((repeats, count, n_latent))
        y = _times(x, beta)
        seen = x[..., :n_params]
        u, s, vt = _svd(seen)
        f = _pseudo_inverse(s)
        coef = fit(u, vt, y, f)
        curves["smin"][:, j] = np.min(s, axis=-1)
        curves["plain"][:, j] = test_mse(coef)
        curves["train"][:, j] = np.mean((_times(seen, coef) - y) ** 2, axis=-1)
        for i, cutoff in enumerate(cutoffs):
            curves["cut"][:, i, j] = test_mse(fit(u, vt, y, np.where(s >= cutoff, f, 0.0)))
        top = vt[:, :leading, :]
        projected = (seen_test @ np.swapaxes(top, -1, -2)) @ top
        curves["lead"][:, j] = test_mse(coef, projected)
        curves["clean"][:, j] = test_mse(fit(u, vt, _times(seen, ideal), f))
    mean = {k: v.mean(axis=0) for k, v in curves.items()}
    return AblationCurves(n_train, n_params, mean["plain"], mean["cut"], mean["lead"], mean["clean"], mean["train"],
                          mean["smin"])
