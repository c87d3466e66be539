# RUN: %python %s
"""LayerNorm -> linear -> GELU -> linear with 5 outlier channels 80x larger,
compiled with --quantc-smoothquant + --quantc-quantize and run, against an
independent NumPy SmoothQuant of the same block (gamma/beta folding, explicit
smoothing of the GELU output, per-token activations, per-output-channel
weights). The LayerNorm's f32 summation order differs between the two, which
can move a value across a rounding boundary: the comparison allows a small
fraction of an output quantum, far below the gap to other schemes, which is
checked too."""
import numpy as np

import llm_block
import qtest
from quantc import reference as ref

rng = np.random.default_rng(3)
N, C, H, D = 16, 32, 48, 24
x, gamma, beta, w1, w2, idx = llm_block.llm_like(rng, N, C, H, D)
fp, h, a = llm_block.block_fp(x, gamma, beta, w1, w2)
absmax1 = np.max(np.abs(h), axis=0).astype(np.float32)
absmax2 = np.max(np.abs(a), axis=0).astype(np.float32)
mlir = llm_block.block_mlir(x, gamma, beta, w1, w2, absmax1, absmax2)


def factors(absmax, wmax, alpha):
    s = np.power(absmax.astype(np.float64), alpha) / np.power(
        np.maximum(wmax.astype(np.float64), 1e-5), 1 - alpha)
    return np.maximum(s, 1e-5).astype(np.float32)


def qdq(v, axis):
    sc = ref.absmax_scale(v, axis=axis)
    return ref.dequantize(ref.quantize(v, sc), sc).astype(np.float64)


def numpy_smoothquant(alpha):
    s1 = factors(absmax1, np.max(np.abs(w1), axis=1), alpha)
    s2 = factors(absmax2, np.max(np.abs(w2), axis=0), alpha)
    # Fold 1/s1 into the LayerNorm's gamma and beta, s1 into w1's rows.
    hs = llm_block.layernorm(x, gamma / s1, beta / s1).astype(np.float32)
    w1s = (w1 * s1[:, None]).astype(np.float32)
    h1 = qdq(hs, 1) @ qdq(w1s, 0)
    act = llm_block.gelu(h1.astype(np.float32)).astype(np.float32)
    acts = (act / s2).astype(np.float32)
    w2s = (w2 * s2[None, :]).astype(np.float32)
    return qdq(acts, 1) @ qdq(w2s, 1).T


def rel(y, r):
    return float(np.linalg.norm(y - r) / np.linalg.norm(r))


sq = qtest.compile_and_run(mlir, pipeline=(
    "--quantc-smoothquant=alpha=0.5", "--quantc-quantize",
    "--quantc-cpu-pipeline"))[0]
want = numpy_smoothquant(0.5)
plain = qtest.compile_and_run(mlir, pipeline=(
    "--quantc-quantize", "--quantc-cpu-pipeline"))[0]
print(f"compiled SQ vs NumPy SQ: {rel(sq, want):.3g}; compiled per-token "
      f"without SQ vs NumPy SQ: {rel(plain, want):.3g}")
print(f"error vs fp: SQ {rel(sq, fp):.4g}, NumPy SQ {rel(want, fp):.4g}, "
      f"no SQ {rel(plain, fp):.4g}")
qtest.expect_close("smoothquant block vs NumPy SmoothQuant", sq, want,
                   rtol=1e-4, atol=1e-4 * np.max(np.abs(want)))
# Teeth: the scheme without smoothing is far outside that tolerance.
if np.allclose(plain, want, rtol=1e-4, atol=1e-4 * np.max(np.abs(want))):
    raise SystemExit("FAIL: the check cannot tell smoothing from none")
if not rel(sq, fp) < rel(plain, fp):
    raise SystemExit("FAIL: smoothing made the per-token error worse")
print("PASS smoothing reduces the per-token W8A8 error")
