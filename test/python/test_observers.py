"""Observers: statistics over batches equal those of the concatenated data."""
import numpy as np
import pytest

import quantc


def test_absmax_over_batches(rng):
    batches = [rng.standard_normal((b, 5, 8)).astype(np.float32) for b in (3, 1, 4)]
    obs = quantc.AbsMaxObserver()
    for b in batches:
        obs.update(b)
    allx = np.concatenate([b.reshape(-1, 8) for b in batches])
    np.testing.assert_array_equal(obs.absmax, np.abs(allx).max(axis=0))
    assert obs.batches == 3
    assert obs.scale() == np.float32(np.abs(allx).max()) / np.float32(127)


def test_absmax_channel_axis(rng):
    x = rng.standard_normal((8, 3, 4)).astype(np.float32)
    obs = quantc.AbsMaxObserver(axis=1).update(x)
    np.testing.assert_array_equal(obs.absmax, np.abs(x).max(axis=(0, 2)))


def test_percentiles(rng):
    batches = [rng.standard_normal((50, 6)).astype(np.float32) for _ in range(4)]
    obs = quantc.PercentileObserver()
    for b in batches:
        obs.update(b)
    allx = np.abs(np.concatenate(batches))
    np.testing.assert_allclose(obs.percentile(99.0), np.percentile(allx, 99.0, axis=0), rtol=1e-6)
    np.testing.assert_array_equal(obs.absmax, allx.max(axis=0))
    assert obs.percentile([50, 90]).shape == (2, 6)
    assert np.all(obs.percentile(90) <= obs.absmax)


def test_bad_batches():
    obs = quantc.AbsMaxObserver().update(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match="channels"):
        obs.update(np.ones((2, 5), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        obs.update(np.array([[1, np.nan, 1, 1]], np.float32))
    with pytest.raises(ValueError, match="no data"):
        quantc.PercentileObserver().percentile(99)
    with pytest.raises(ValueError, match=r"\[0, 100\]"):
        quantc.PercentileObserver().update(np.ones((1, 2))).percentile(101)
