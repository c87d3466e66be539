# RUN: %python %s
"""LLM.int8() decomposition compiled and run, against NumPy: outlier
channels (calibrated absmax > 6) in float, the rest W8A8 with per-token
activations and per-output-channel weights; both weight layouts; the pass
composes with --quantc-quantize (which leaves the float GEMM alone)."""
import numpy as np

import qtest
from quantc import reference as ref

rng = np.random.default_rng(11)
N, C, D = 8, 16, 10
x = rng.standard_normal((N, C)).astype(np.float32)
out_idx = np.array([2, 9, 13])
x[:, out_idx] *= np.float32(40.0)
w = (rng.standard_normal((C, D)) * 0.2).astype(np.float32)   # plain [C, D]
wt = np.ascontiguousarray(w.T)                                # [D, C]
absmax = np.max(np.abs(x), axis=0).astype(np.float32)


def numpy_llm_int8(threshold=6.0):
    o = np.where(absmax > threshold)[0]
    i = np.where(absmax <= threshold)[0]
    assert list(o) == list(out_idx)
    y_float = x[:, o].astype(np.float64) @ w[o].astype(np.float64)
    xi = x[:, i]
    xs = ref.absmax_scale(xi, axis=1)
    wi = w[i]
    ws = ref.absmax_scale(wi, axis=0)
    acc = ref.int_matmul(ref.quantize(xi, xs), ref.quantize(wi, ws).T)
    return y_float + ref.rescale(acc, xs, ws).astype(np.float64)


absmax_attr = qtest.dense_shaped(absmax).split(" : ")[0]
mlir = f"""
{qtest.PRINT_DECLS}
func.func @main() {{
  {qtest.const("x", x)}  {qtest.const("w", w)}  {qtest.const("wt", wt)}
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{N}x{D}xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<{N}x{D}xf32>) -> tensor<{N}x{D}xf32>
  %o = quantc.observe %x {{absmax = {absmax_attr} : tensor<{C}xf32>}} : tensor<{N}x{C}xf32>
  %y = linalg.matmul ins(%o, %w : tensor<{N}x{C}xf32>, tensor<{C}x{D}xf32>) outs(%z : tensor<{N}x{D}xf32>) -> tensor<{N}x{D}xf32>
  %yt = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%o, %wt : tensor<{N}x{C}xf32>, tensor<{D}x{C}xf32>) outs(%z : tensor<{N}x{D}xf32>) -> tensor<{N}x{D}xf32>
  {qtest.print_tensor("%y", f"tensor<{N}x{D}xf32>", "py")}
  {qtest.print_tensor("%yt", f"tensor<{N}x{D}xf32>", "pyt")}
  return
}}
"""
want = numpy_llm_int8()
tol = dict(rtol=1e-5, atol=1e-5 * np.max(np.abs(want)))
for pipeline in (("--quantc-outlier-split", "--quantc-cpu-pipeline"),
                 ("--quantc-outlier-split=threshold=6.0", "--quantc-quantize",
                  "--quantc-cpu-pipeline")):
    y, yt = qtest.compile_and_run(mlir, pipeline=pipeline)
    qtest.expect_close(" ".join(pipeline[:-1]) + " plain", y, want, **tol)
    qtest.expect_close(" ".join(pipeline[:-1]) + " transposed", yt, want, **tol)

# Teeth: all-int8 per-token W8A8 differs from the decomposition.
y, _ = qtest.compile_and_run(mlir, pipeline=("--quantc-quantize",
                                             "--quantc-cpu-pipeline"))
if np.allclose(y, want, **tol):
    raise SystemExit("FAIL: the check cannot tell the split from plain W8A8")
fp = x.astype(np.float64) @ w
print(f"relative error vs fp32: W8A8 per-token "
      f"{np.linalg.norm(y - fp) / np.linalg.norm(fp):.3g}, LLM.int8() "
      f"{np.linalg.norm(want - fp) / np.linalg.norm(fp):.3g}")
