"""Optional dependencies of the stories stage, checked where a stage object is built."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from types import ModuleType

from zhimei.errors import ExtraMissingError

__all__ = ["EXTRA", "one_blas_thread", "require"]

EXTRA = "stories"


def require(module: str) -> ModuleType:
    """Import ``module`` or raise ExtraMissingError naming the ``stories`` extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ExtraMissingError(module, EXTRA) from exc


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run numpy's BLAS on one thread inside the block (when threadpoolctl is installed).

    The matrices here are small (thousands × 512): more threads add little, and on a busy machine
    two BLAS threads measured 10-20x slower than one, spinning while they wait for a core.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
