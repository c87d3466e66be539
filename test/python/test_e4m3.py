"""The NumPy E4M3 simulation (python/quantc/e4m3.py) against known values,
and against the compiler's own rule where it runs on the host (the constant
folder of quantc.quantize)."""
import numpy as np

from quantc import e4m3


def test_decode_known_values():
    q = np.array([0x00, 0x80, 0x01, 0x07, 0x08, 0x38, 0x3C, 0x7E, 0xFE, 0x7F, 0xFF,
                  0x40, 0x46], dtype=np.uint8)
    want = [0.0, -0.0, 2.0 ** -9, 7 * 2.0 ** -9, 2.0 ** -6, 1.0, 1.5, 448.0,
            -448.0, np.nan, np.nan, 2.0, 3.5]
    got = e4m3.decode(q)
    np.testing.assert_array_equal(got, np.array(want, dtype=np.float32))
    assert np.signbit(got[1])


def test_encode_known_values():
    x = np.array([0.0, 1.0, -1.0, 448.0, 449.0, 1e9, -1e9, np.inf, -np.inf,
                  np.nan, 2.0 ** -9, 2.0 ** -10, 3 * 2.0 ** -10, 1.0625,
                  1.1875, 0.0156, 240.0, 248.0, 464.0],
                 dtype=np.float32)
    want = [0x00, 0x38, 0xB8, 0x7E, 0x7E, 0x7E, 0xFE, 0x7E, 0xFE,
            0x00,
            0x01,  # the smallest subnormal
            0x00,  # 2^-10: halfway between 0 and 2^-9, ties to even (0)
            0x02,  # 3 * 2^-10: halfway between 2^-9 and 2^-8, even is 2^-8
            0x38,  # 1.0625: halfway between 1 and 1.125, even mantissa: 1
            0x3A,  # 1.1875: halfway between 1.125 and 1.25, even: 1.25
            0x08,  # 0.0156 rounds to 2^-6 = 0.015625 (normal)
            0x77,  # 240 = 1.875 * 2^7
            0x78,  # 248: halfway between 240 and 256, even: 256
            0x7E]  # 464 saturates
    np.testing.assert_array_equal(e4m3.encode(x), np.array(want, dtype=np.uint8))


def test_roundtrip_every_code():
    codes = np.arange(256, dtype=np.uint8)
    finite = (codes & 0x7F) != 0x7F
    np.testing.assert_array_equal(e4m3.encode(e4m3.decode(codes[finite])),
                                  codes[finite])


def test_nearest_against_brute_force(rng):
    x = (rng.standard_normal(20000) * rng.choice([1e-3, 0.1, 10, 300], 20000)
         ).astype(np.float32)
    q = e4m3.decode(e4m3.encode(x)).astype(np.float64)
    table = e4m3.decode(np.arange(0x7F, dtype=np.uint8)).astype(np.float64)
    table = np.concatenate([-table[::-1], table])
    a = np.clip(x.astype(np.float64), -448, 448)
    best = np.min(np.abs(table[None, :] - a[:, None]), axis=1)
    np.testing.assert_array_equal(np.abs(q - a), best)


def test_matmul_tolerance(rng):
    x = rng.standard_normal((8, 64)).astype(np.float32)
    w = rng.standard_normal((16, 64)).astype(np.float32)
    xs = e4m3.absmax_scale(x, 1)
    ws = e4m3.absmax_scale(w, 1)
    xq, wq = e4m3.quantize(x, xs), e4m3.quantize(w, ws)
    exact = e4m3.matmul(xq, wq)
    f32 = (e4m3.decode(xq) @ e4m3.decode(wq).T).astype(np.float64)
    assert np.all(np.abs(f32 - exact) <= e4m3.gemm_tolerance(xq, wq))
    # The dequantized GEMM approximates the float one (E4M3 has 3 bits of
    # mantissa: a few percent).
    y = exact * xs * ws.T
    ref = x.astype(np.float64) @ w.astype(np.float64).T
    assert np.max(np.abs(y - ref)) < 0.1 * np.max(np.abs(ref))
