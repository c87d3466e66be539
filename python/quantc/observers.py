"""Calibration observers: per-channel statistics accumulated over batches.

    obs = quantc.AbsMaxObserver()
    for x in batches:            # x: [..., C]
        obs.update(x)
    obs.absmax                   # [C] float32: what quantc.observe carries

Channels are the last axis by default (the dimension quantc.observe and the
SmoothQuant factors describe).
"""
import numpy as np

__all__ = ["AbsMaxObserver", "PercentileObserver"]


def _as_rows(x, axis):
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 0:
        raise ValueError("observer input must have a channel axis")
    if not np.all(np.isfinite(x)):
        raise ValueError("observer input contains NaN or infinity")
    return np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])


class AbsMaxObserver:
    """Running per-channel max |x|."""

    def __init__(self, axis=-1):
        self.axis = axis
        self.absmax = None
        self.batches = 0

    def update(self, x):
        rows = _as_rows(x, self.axis)
        m = np.max(np.abs(rows), axis=0) if rows.shape[0] else np.zeros(rows.shape[1], np.float32)
        if self.absmax is not None and m.shape != self.absmax.shape:
            raise ValueError(f"batch has {m.shape[0]} channels, earlier batches "
                             f"had {self.absmax.shape[0]}")
        self.absmax = m if self.absmax is None else np.maximum(self.absmax, m)
        self.batches += 1
        return self

    def scale(self, qmax=127):
        """Static per-tensor activation scale `max(absmax) / qmax` (1 if zero)."""
        m = np.float32(np.max(self.absmax))
        return np.float32(1.0) if m == 0 else np.float32(m / np.float32(qmax))


class PercentileObserver:
    """Per-channel percentiles of |x| over every value seen (exact: the
    values are kept, so use it on calibration-sized data). `percentile(99.9)`
    is a clipped alternative to the absmax."""

    def __init__(self, axis=-1):
        self.axis = axis
        self._rows = []
        self.batches = 0

    def update(self, x):
        rows = np.abs(_as_rows(x, self.axis))
        if self._rows and rows.shape[1] != self._rows[0].shape[1]:
            raise ValueError(f"batch has {rows.shape[1]} channels, earlier batches "
                             f"had {self._rows[0].shape[1]}")
        self._rows.append(rows)
        self.batches += 1
        return self

    def percentile(self, q):
        """[C] float32 (or [len(q), C] for a sequence of q) percentiles of |x|."""
        if not self._rows:
            raise ValueError("percentile of an observer that has seen no data")
        q = np.asarray(q, dtype=np.float64)
        if np.any(q < 0) or np.any(q > 100):
            raise ValueError(f"percentiles must be in [0, 100], got {q}")
        return np.percentile(np.concatenate(self._rows), q, axis=0).astype(np.float32)

    @property
    def absmax(self):
        return self.percentile(100.0)
