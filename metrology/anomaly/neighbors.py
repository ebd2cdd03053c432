"""Exact nearest-neighbour search in a memory bank: SciPy cKDTree, blocked brute force, or faiss.

``method="auto"`` uses faiss when it is installed, otherwise a k-d tree for narrow features and
blocked brute force (one matrix product per block of queries) for wide ones, where a k-d tree
degenerates into a slow linear scan.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..core.checks import check_choice, check_int
from .coreset import finite_2d
from ._blas import single_blas_thread

__all__ = ["NearestNeighbors"]

_METHODS = ("auto", "kdtree", "brute", "faiss")


class NearestNeighbors:
    """Exact k-nearest-neighbour index over a bank of vectors.

    Parameters
    ----------
    bank : ndarray (M, D)
    method : {"auto", "kdtree", "brute", "faiss"}

    Examples
    --------
    >>> import numpy as np
    >>> nn = NearestNeighbors(np.array([[0.0, 0.0], [3.0, 4.0]]), method="brute")
    >>> d, i = nn.query(np.array([[3.0, 3.0]]), k=1)
    >>> round(float(d[0, 0]), 6), int(i[0, 0])
    (1.0, 1)
    """

    @staticmethod
    def check_method(method: str) -> str:
        """Validate a method name (InputError listing the choices)."""
        check_choice(method, "nn", _METHODS)
        return method

    def __init__(self, bank: np.ndarray, method: str = "auto"):
        self.check_method(method)
        b = np.ascontiguousarray(finite_2d(bank, "bank"))
        # squared distances must stay finite in float32
        if float(np.abs(b).max()) > 1e15:
            raise InputError("bank: values beyond 1e15 in magnitude")
        if method == "auto":
            try:
                import faiss  # noqa: F401
                method = "faiss"
            except ImportError:
                method = "kdtree" if b.shape[1] <= 16 else "brute"
        self.method = method
        self.bank = b
        if method == "kdtree":
            from scipy.spatial import cKDTree

            self._tree = cKDTree(b.astype(np.float64))
        elif method == "faiss":
            try:
                import faiss
            except ImportError:
                raise InputError("method='faiss' needs the faiss package (pip install "
                                 "faiss-cpu); use method='auto' to fall back") from None
            self._index = faiss.IndexFlatL2(b.shape[1])
            self._index.add(b)
        else:
            # centring shrinks |q|^2 - 2 q.b + |b|^2 cancellation error in float32
            self._mean = b.mean(axis=0)
            self._centred = np.ascontiguousarray(b - self._mean)
            self._sq = np.einsum("ij,ij->i", self._centred, self._centred)
            # |b|^2 as one more row: the product adds it (a 48th column of the queries, all
            # ones, costs nothing beside a pass over the distance block; 2026-12-07)
            self._centred_t = np.ascontiguousarray(
                np.vstack([self._centred.T, self._sq[None].astype(self._centred.dtype)]))

    def query(self, queries: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Distances and indices of the ``k`` nearest bank vectors of each query.

        Parameters
        ----------
        queries : ndarray (N, D)
        k : int

        Returns
        -------
        dist : ndarray (N, k) float32, Euclidean, ascending.  Brute force ranks candidates in
            float32 (ties closer than ~1e-3 of the vectors' spread may swap), then returns the
            exact distance of each chosen neighbour.
        idx : ndarray (N, k) int64
        """
        q = np.ascontiguousarray(finite_2d(queries, "queries"))
        if q.shape[1] != self.bank.shape[1]:
            raise InputError(f"queries: expected shape (N, {self.bank.shape[1]}), given "
                             f"{q.shape}")
        if float(np.abs(q).max()) > 1e15:
            raise InputError("queries: values beyond 1e15 in magnitude")
        k = min(check_int(k, "k", min=1), self.bank.shape[0])
        if self.method == "kdtree":
            d, i = self._tree.query(q.astype(np.float64), k=k)
            d, i = np.asarray(d).reshape(len(q), k), np.asarray(i).reshape(len(q), k)
            return d.astype(np.float32), i.astype(np.int64)
        if self.method == "faiss":
            d2, i = self._index.search(q, k)
            return np.sqrt(np.maximum(d2, 0)).astype(np.float32), i.astype(np.int64)
        # blocked brute force: rank by |b|^2 - 2 q.b (|q|^2 is constant per query), blocks of
        # queries small enough for the distance block to stay in cache
        m = self.bank.shape[0]
        block = max(1, int(262_144 // m))
        dist = np.empty((len(q), k), np.float32)
        idx = np.empty((len(q), k), np.int64)
        qc = np.empty((len(q), q.shape[1] + 1), self._centred_t.dtype)
        np.multiply(q - self._mean, np.float32(-2.0), out=qc[:, :-1])
        qc[:, -1] = 1.0
        bt = self._centred_t
        with single_blas_thread():  # multi-threaded BLAS is slower here on a busy machine
            self._brute(qc, bt, block, k, idx)
        # exact distances of the chosen neighbours (the expansion above only ranks them)
        diff = self.bank[idx] - q[:, None, :]
        dist[:] = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
        return dist, idx

    def _brute(self, qc, bt, block, k, idx):
        for s in range(0, len(qc), block):
            e = min(len(qc), s + block)
            d2 = qc[s:e] @ bt
            if k == 1:
                j = np.argmin(d2, axis=1)[:, None]
            else:
                j = np.argpartition(d2, k - 1, axis=1)[:, :k]
                j = np.take_along_axis(j, np.argsort(np.take_along_axis(d2, j, 1), 1), 1)
            idx[s:e] = j
