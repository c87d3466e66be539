# RUN: %python %s
"""linalg.batch_matmul through --quantc-smoothquant + --quantc-quantize,
compiled and run, against NumPy: one smoothing factor per reduction channel
(max over every batch and output channel of the weight), per-token scales
[B, N, 1], per-output-channel weight scales [1, 1, D]."""
import numpy as np

import qtest
from quantc import reference as ref

rng = np.random.default_rng(9)
B, N, C, D = 2, 4, 8, 6
x = rng.standard_normal((B, N, C)).astype(np.float32)
x[..., 5] *= np.float32(70.0)
w = (rng.standard_normal((B, C, D)) * 0.3).astype(np.float32)
absmax = np.max(np.abs(x), axis=(0, 1)).astype(np.float32)

wmax = np.max(np.abs(w), axis=(0, 2))
s = np.power(absmax.astype(np.float64), 0.5) / np.power(
    np.maximum(wmax.astype(np.float64), 1e-5), 0.5)
s = np.maximum(s, 1e-5).astype(np.float32)
xs = (x / s).astype(np.float32)
xscale = ref.absmax_scale(xs, axis=2)
ws_ = (w * s[None, :, None]).astype(np.float32)
wscale = ref.absmax_scale(ws_, axis=(0, 1))
acc = ref.int_matmul(ref.quantize(xs, xscale),
                     np.swapaxes(ref.quantize(ws_, wscale), 1, 2))
want = ref.rescale(acc, xscale, wscale)

absmax_attr = qtest.dense_shaped(absmax).split(" : ")[0]
mlir = f"""
{qtest.PRINT_DECLS}
func.func @main() {{
  {qtest.const("x", x)}  {qtest.const("w", w)}
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{B}x{N}x{D}xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<{B}x{N}x{D}xf32>) -> tensor<{B}x{N}x{D}xf32>
  %o = quantc.observe %x {{absmax = {absmax_attr} : tensor<{C}xf32>}} : tensor<{B}x{N}x{C}xf32>
  %y = linalg.batch_matmul ins(%o, %w : tensor<{B}x{N}x{C}xf32>, tensor<{B}x{C}x{D}xf32>) outs(%z : tensor<{B}x{N}x{D}xf32>) -> tensor<{B}x{N}x{D}xf32>
  {qtest.print_tensor("%y", f"tensor<{B}x{N}x{D}xf32>", "py")}
  return
}}
"""
y, = qtest.compile_and_run(mlir, pipeline=(
    "--quantc-smoothquant", "--quantc-quantize", "--quantc-cpu-pipeline"))
qtest.expect_close("batch_matmul smoothquant + W8A8 per-token", y, want,
                   rtol=1e-4, atol=1e-4 * np.max(np.abs(want)))

# Teeth: the same W8A8 per-token scheme without smoothing is outside the
# tolerance, so a --quantc-smoothquant that did nothing would fail here.
xscale0 = ref.absmax_scale(x, axis=2)
wscale0 = ref.absmax_scale(w, axis=(0, 1))
acc0 = ref.int_matmul(ref.quantize(x, xscale0),
                      np.swapaxes(ref.quantize(w, wscale0), 1, 2))
unsmoothed = ref.rescale(acc0, xscale0, wscale0)
assert not np.allclose(unsmoothed, want, rtol=1e-4, atol=1e-4 * np.max(np.abs(want))), \
    "the unsmoothed scheme is indistinguishable from SmoothQuant on this input"
assert not np.allclose(y, unsmoothed, rtol=1e-4, atol=1e-4 * np.max(np.abs(want)))
print("unsmoothed scheme rejected by the same tolerance")
