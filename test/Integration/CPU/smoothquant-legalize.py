# RUN: %python %s
"""Legalisation of per-channel activation scales, compiled and run: a QDQ
activation with one scale per reduction channel (which no integer GEMM can
factor out) is rewritten by --quantc-smoothquant into smoothing + per-tensor
(default) or per-token quantization, and the float weight is then quantized
per output channel by --quantc-quantize. Compared with NumPy SmoothQuant
using the statistics implied by the per-channel scales (absmax = 127 t)."""
import numpy as np

import qtest
from quantc import reference as ref

rng = np.random.default_rng(5)
N, C, D = 6, 12, 8
x = rng.standard_normal((N, C)).astype(np.float32)
x[:, [1, 7]] *= np.float32(50.0)
w = (rng.standard_normal((C, D)) * 0.3).astype(np.float32)
t = ref.absmax_scale(x, axis=0)  # the illegal per-channel scale [1, C]


def numpy_legalized(activations, alpha=0.5):
    absmax = (t.reshape(-1) * np.float32(127)).astype(np.float32)
    wmax = np.max(np.abs(w), axis=1)
    s = np.power(absmax.astype(np.float64), alpha) / np.power(
        np.maximum(wmax.astype(np.float64), 1e-5), 1 - alpha)
    s = np.maximum(s, 1e-5).astype(np.float32)
    xs = (x / s).astype(np.float32)
    if activations == "per-tensor":
        xscale = ref.absmax_scale((absmax / s).astype(np.float32)).reshape(1, 1)
    else:
        xscale = ref.absmax_scale(xs, axis=1)
    ws_ = (w * s[:, None]).astype(np.float32)
    wscale = ref.absmax_scale(ws_, axis=0)
    acc = ref.int_matmul(ref.quantize(xs, xscale), ref.quantize(ws_, wscale).T)
    return ref.rescale(acc, xscale, wscale)


mlir = f"""
{qtest.PRINT_DECLS}
func.func @main() {{
  {qtest.const("x", x)}  {qtest.const("w", w)}  {qtest.const("t", t)}
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{N}x{D}xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<{N}x{D}xf32>) -> tensor<{N}x{D}xf32>
  %q = quantc.quantize %x, %t : tensor<{N}x{C}xf32>, tensor<1x{C}xf32> -> tensor<{N}x{C}xi8>
  %d = quantc.dequantize %q, %t : tensor<{N}x{C}xi8>, tensor<1x{C}xf32> -> tensor<{N}x{C}xf32>
  %y = linalg.matmul ins(%d, %w : tensor<{N}x{C}xf32>, tensor<{C}x{D}xf32>) outs(%z : tensor<{N}x{D}xf32>) -> tensor<{N}x{D}xf32>
  {qtest.print_tensor("%y", f"tensor<{N}x{D}xf32>", "py")}
  return
}}
"""
for acts in ("per-tensor", "per-token"):
    y, = qtest.compile_and_run(mlir, pipeline=(
        f"--quantc-smoothquant=legalize-activations={acts}",
        "--quantc-quantize", "--quantc-cpu-pipeline"))
    want = numpy_legalized(acts)
    qtest.expect_close(f"legalised per-channel QDQ -> smoothing + {acts}", y,
                       want, rtol=1e-4, atol=1e-4 * np.max(np.abs(want)))

# Teeth: the unlegalised per-channel scheme gives different numbers.
y, = qtest.compile_and_run(mlir)
if np.allclose(y, want, rtol=1e-4, atol=1e-4 * np.max(np.abs(want))):
    raise SystemExit("FAIL: the check cannot tell legalised from unlegalised")
print("PASS the unlegalised scheme differs")
