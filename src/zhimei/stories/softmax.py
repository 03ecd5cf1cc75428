"""Multinomial logistic regression (softmax) with an L2 penalty, fitted with numpy.

Objective on standardised features (centred, divided by their overall standard deviation):
mean cross-entropy + ``l2``/2 · ‖W‖² (the bias is not penalised). Convex and smooth, so
accelerated gradient descent with the fixed step 1/L converges, L bounded by
½·λmax(XᵀX)/n + l2 (the Hessian of log-sum-exp is at most ½). Centring removes the direction all
sentence embeddings share, which would otherwise make L large and the steps tiny. The momentum
restarts when the gradient points against it (O'Donoghue & Candès, 2015). The returned weights act
on the raw features.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zhimei.errors import InputError
from zhimei.stories._deps import one_blas_thread

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["fit_softmax", "softmax"]


def softmax(scores: NDArray[np.floating], temperature: float = 1.0) -> NDArray[np.float64]:
    """Row-wise softmax of ``scores / temperature`` (stable for large scores)."""
    import numpy as np

    z = np.asarray(scores, dtype=np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def fit_softmax(
    X: NDArray[np.floating],
    y: NDArray[np.integer],
    n_classes: int,
    *,
    l2: float = 0.1,
    max_iter: int = 500,
    tol: float = 1e-5,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Weights (d × k) and bias (k) of a softmax regression of labels ``y`` (0…k-1) on rows ``X``."""
    if len(X) == 0 or len(X) != len(y):
        raise InputError("need one label per training row, and at least one row", "check the training data")
    if l2 <= 0:
        raise InputError(f"l2 must be positive, got {l2}", "use e.g. 0.1")
    with one_blas_thread():
        return _fit(X, y, n_classes, l2, max_iter, tol)


def _fit(
    X: NDArray[np.floating], y: NDArray[np.integer], n_classes: int, l2: float, max_iter: int, tol: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    import numpy as np

    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    scale = float(np.sqrt(((X - mean) ** 2).mean())) or 1.0
    Xb = np.hstack([(X - mean) / scale, np.ones((len(X), 1))])
    n = len(Xb)
    Y = np.zeros((n, n_classes))
    Y[np.arange(n), y] = 1.0
    step = 1.0 / (0.5 * float(np.linalg.norm(Xb, 2)) ** 2 / n + l2)
    W = np.zeros((Xb.shape[1], n_classes))
    V, t = W.copy(), 1.0
    for _ in range(max_iter):
        z = Xb @ V
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = Xb.T @ (p - Y) / n
        grad[:-1] += l2 * V[:-1]
        W_next = V - step * grad
        if float(np.abs(grad).max()) < tol:
            W = W_next
            break
        if float((grad * (W_next - W)).sum()) > 0:  # momentum points uphill: restart it
            t = 1.0
        t_next = (1 + (1 + 4 * t * t) ** 0.5) / 2
        V = W_next + ((t - 1) / t_next) * (W_next - W)
        W, t = W_next, t_next
    weights = W[:-1] / scale
    return weights, W[-1] - mean @ weights
