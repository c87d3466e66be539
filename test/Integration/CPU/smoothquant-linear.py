# RUN: %python %s
"""SmoothQuant + quantize, compiled and run, against an independent NumPy
implementation of SmoothQuant (two projections sharing one activation, one
with a plain [C, D] weight and one with a transposed [D, C] weight).

The activation is a function constant, so the smoothing is an explicit
quantc.smooth; every step is then the same f32 arithmetic in both, and only
the float summation order of the final GEMM differs: the check is tight."""
import numpy as np

import qtest
from quantc import reference as ref

rng = np.random.default_rng(7)
N, C, D = 8, 16, 12
x = rng.standard_normal((N, C)).astype(np.float32)
x[:, [3, 11]] *= np.float32(60.0)  # outlier channels
wq = (rng.standard_normal((C, D)) * 0.1).astype(np.float32)   # plain [C, D]
wk = (rng.standard_normal((D, C)) * 0.1).astype(np.float32)   # transposed [D, C]
absmax = np.max(np.abs(x), axis=0).astype(np.float32)


def numpy_smoothquant(alpha, activations):
    """SmoothQuant (Xiao et al.): s_j = max|X_j|^a / max|W_j|^(1-a), shared by
    both projections; then W8A8 with per-output-channel weights."""
    wmax = np.maximum(np.max(np.abs(wq), axis=1), np.max(np.abs(wk), axis=0))
    s = np.power(absmax.astype(np.float64), alpha) / np.power(
        np.maximum(wmax.astype(np.float64), 1e-5), 1 - alpha)
    s = np.maximum(s, 1e-5).astype(np.float32)
    xs = (x / s).astype(np.float32)
    if activations == "per-token":
        xscale = ref.absmax_scale(xs, axis=1)
    else:  # static, from the smoothed calibration statistics
        xscale = ref.absmax_scale((absmax / s).astype(np.float32)).reshape(1, 1)
    xd = ref.dequantize(ref.quantize(xs, xscale), xscale)
    outs = []
    for w, cdim in ((wq * s[:, None], 0), (wk * s[None, :], 1)):
        w = w.astype(np.float32)
        wscale = ref.absmax_scale(w, axis=cdim)
        wd = ref.dequantize(ref.quantize(w, wscale), wscale)
        wt = wd if cdim == 0 else wd.T
        outs.append((xd.astype(np.float64) @ wt.astype(np.float64)).astype(np.float32))
    return outs


absmax_attr = qtest.dense_shaped(absmax).split(" : ")[0]
mlir = f"""
{qtest.PRINT_DECLS}
func.func @main() {{
  {qtest.const("x", x)}  {qtest.const("wq", wq)}  {qtest.const("wk", wk)}
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{N}x{D}xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<{N}x{D}xf32>) -> tensor<{N}x{D}xf32>
  %o = quantc.observe %x {{absmax = {absmax_attr} : tensor<{C}xf32>}} : tensor<{N}x{C}xf32>
  %q = linalg.matmul ins(%o, %wq : tensor<{N}x{C}xf32>, tensor<{C}x{D}xf32>) outs(%z : tensor<{N}x{D}xf32>) -> tensor<{N}x{D}xf32>
  %k = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%o, %wk : tensor<{N}x{C}xf32>, tensor<{D}x{C}xf32>) outs(%z : tensor<{N}x{D}xf32>) -> tensor<{N}x{D}xf32>
  {qtest.print_tensor("%q", f"tensor<{N}x{D}xf32>", "pq")}
  {qtest.print_tensor("%k", f"tensor<{N}x{D}xf32>", "pk")}
  return
}}
"""

fp32 = [x.astype(np.float64) @ wq, x.astype(np.float64) @ wk.T]


def rel_err(outs):
    """Relative Frobenius error against fp32 over both projections."""
    num = sum(np.sum((g - f) ** 2) for g, f in zip(outs, fp32))
    return float(np.sqrt(num / sum(np.sum(f ** 2) for f in fp32)))


errs = {}
for alpha in (0.5, 0.8):
    for acts in ("per-token", "per-tensor"):
        got = qtest.compile_and_run(mlir, pipeline=(
            f"--quantc-smoothquant=alpha={alpha}",
            f"--quantc-quantize=activations={acts}", "--quantc-cpu-pipeline"))
        want = numpy_smoothquant(alpha, acts)
        for name, g, w in zip(("q", "k"), got, want):
            qtest.expect_close(f"alpha={alpha} {acts} {name}", g, w,
                               rtol=1e-4, atol=1e-4 * np.max(np.abs(w)))
        errs[(alpha, acts)] = rel_err(got)

# Without SmoothQuant, per-tensor W8A8 loses the small channels to the
# outliers' range; smoothing must cut that error several-fold.
naive = qtest.compile_and_run(mlir, pipeline=(
    "--quantc-quantize=activations=per-tensor", "--quantc-cpu-pipeline"))
naive_err = rel_err(naive)
print({k: round(v, 5) for k, v in errs.items()})
print(f"relative error: naive per-tensor {naive_err:.4g}, "
      f"smoothquant a=0.5 per-tensor {errs[(0.5, 'per-tensor')]:.4g}")
if not errs[(0.5, "per-tensor")] * 2 < naive_err:
    raise SystemExit("FAIL: SmoothQuant did not cut the per-tensor error 2x")
print("PASS smoothing reduces the per-tensor W8A8 error")
