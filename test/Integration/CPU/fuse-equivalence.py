# --quantc-fuse keeps the semantics: a two-layer QDQ model (bias + ReLU, a
# static scale on the intermediate, int8 output) is compiled with and without
# fusion. The two agree within one step of the output quantizer, and the fused
# program equals an independent NumPy integer simulation bit for bit.
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: fused == NumPy integer simulation
# CHECK: fused vs QDQ: max {{[01]}} step

import numpy as np
import qtest
from qtest import const, print_tensor
from quantc import reference as ref

rng = np.random.default_rng(5)
N, C, H, D = 24, 64, 48, 40
x = rng.standard_normal((N, C)).astype(np.float32)
w1 = (rng.standard_normal((H, C)) / 8).astype(np.float32)
w2 = (rng.standard_normal((D, H)) / 7).astype(np.float32)
b1 = (rng.standard_normal(H) * 0.1).astype(np.float32)
b2 = (rng.standard_normal(D) * 0.1).astype(np.float32)
sx = ref.absmax_scale(x)
ws1 = ref.absmax_scale(w1, axis=1)          # [H, 1] per output channel
ws2 = ref.absmax_scale(w2, axis=1)          # [D, 1]
h_float = np.maximum(x @ w1.T + b1, 0)
sh = ref.absmax_scale(h_float)
sy = (ref.absmax_scale(h_float @ w2.T + b2) * 0.8).astype(np.float32)  # saturates a bit

T = ("indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, "
     "affine_map<(m, n, k) -> (m, n)>]")
G = ('{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, '
     'affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}')

body = "".join(const(n, a) for n, a in [("x", x), ("w1", w1), ("w2", w2), ("b1", b1), ("b2", b2),
                                          ("sx", sx), ("ws1", ws1), ("ws2", ws2), ("sh", sh),
                                          ("sy", sy)])
body += f"""%zero = arith.constant 0.0 : f32
%xq = quantc.quantize %x, %sx : tensor<{N}x{C}xf32>, tensor<1x1xf32> -> tensor<{N}x{C}xi8>
%xd = quantc.dequantize %xq, %sx : tensor<{N}x{C}xi8>, tensor<1x1xf32> -> tensor<{N}x{C}xf32>
%w1q = quantc.quantize %w1, %ws1 : tensor<{H}x{C}xf32>, tensor<{H}x1xf32> -> tensor<{H}x{C}xi8>
%w1d = quantc.dequantize %w1q, %ws1 : tensor<{H}x{C}xi8>, tensor<{H}x1xf32> -> tensor<{H}x{C}xf32>
%e1 = tensor.empty() : tensor<{N}x{H}xf32>
%i1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<{N}x{H}xf32>) -> tensor<{N}x{H}xf32>
%y1 = linalg.matmul {T} ins(%xd, %w1d : tensor<{N}x{C}xf32>, tensor<{H}x{C}xf32>) outs(%i1 : tensor<{N}x{H}xf32>) -> tensor<{N}x{H}xf32>
%h = linalg.generic {G} ins(%y1, %b1 : tensor<{N}x{H}xf32>, tensor<{H}xf32>) outs(%e1 : tensor<{N}x{H}xf32>) {{
^bb0(%a: f32, %b: f32, %o: f32):
  %t = arith.addf %a, %b : f32
  %r = arith.maximumf %t, %zero : f32
  linalg.yield %r : f32
}} -> tensor<{N}x{H}xf32>
%hq = quantc.quantize %h, %sh : tensor<{N}x{H}xf32>, tensor<1x1xf32> -> tensor<{N}x{H}xi8>
%hd = quantc.dequantize %hq, %sh : tensor<{N}x{H}xi8>, tensor<1x1xf32> -> tensor<{N}x{H}xf32>
%w2q = quantc.quantize %w2, %ws2 : tensor<{D}x{H}xf32>, tensor<{D}x1xf32> -> tensor<{D}x{H}xi8>
%w2d = quantc.dequantize %w2q, %ws2 : tensor<{D}x{H}xi8>, tensor<{D}x1xf32> -> tensor<{D}x{H}xf32>
%e2 = tensor.empty() : tensor<{N}x{D}xf32>
%i2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<{N}x{D}xf32>) -> tensor<{N}x{D}xf32>
%y2 = linalg.matmul {T} ins(%hd, %w2d : tensor<{N}x{H}xf32>, tensor<{D}x{H}xf32>) outs(%i2 : tensor<{N}x{D}xf32>) -> tensor<{N}x{D}xf32>
%y = linalg.generic {G} ins(%y2, %b2 : tensor<{N}x{D}xf32>, tensor<{D}xf32>) outs(%e2 : tensor<{N}x{D}xf32>) {{
^bb0(%a: f32, %b: f32, %o: f32):
  %t = arith.addf %a, %b : f32
  linalg.yield %t : f32
}} -> tensor<{N}x{D}xf32>
%yq = quantc.quantize %y, %sy : tensor<{N}x{D}xf32>, tensor<1x1xf32> -> tensor<{N}x{D}xi8>
"""
body += print_tensor("%yq", f"tensor<{N}x{D}xi8>", "yq")
prog = "func.func @main() {\n" + body + "return\n}\n" + qtest.PRINT_DECLS

# The fused program really is integer end to end.
import subprocess
fused_ir = subprocess.run([qtest.tool("quantc-opt"), "-", "--quantc-fuse", "--canonicalize"],
                          input=prog, capture_output=True, text=True, check=True).stdout
assert "linalg.matmul" not in fused_ir and fused_ir.count("quantc.matmul") == 2, fused_ir
assert f"tensor<{N}x{H}xf32>" not in fused_ir, "float intermediate survived fusion"

(fused,) = qtest.compile_and_run(prog, pipeline=("--quantc-cpu-pipeline",))
(qdq,) = qtest.compile_and_run(prog, pipeline=("--quantc-cpu-pipeline=fuse=false",))

# Independent NumPy integer simulation of the fused program.
xq = ref.quantize(x, sx)
w1q, w2q = ref.quantize(w1, ws1), ref.quantize(w2, ws2)
hq = ref.rescale(ref.int_matmul(xq, w1q), sx, ws1.reshape(1, H), b1.reshape(1, H), "relu",
                 output_scale=sh)
yq = ref.rescale(ref.int_matmul(hq, w2q), sh, ws2.reshape(1, D), b2.reshape(1, D),
                 output_scale=sy)
assert np.abs(yq).max() == 127, "the output quantizer should saturate somewhere"
qtest.expect_equal("fused", fused, yq)
print("fused == NumPy integer simulation")

diff = np.abs(fused - qdq)
assert diff.max() <= 1, f"fused and QDQ differ by {diff.max()} steps"
print(f"fused vs QDQ: max {int(diff.max())} step, {int((diff > 0).sum())} of {diff.size} differ")
