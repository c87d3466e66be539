# One compiled function serves any token count (issue 14 item 4): upstream QDQ
# on tensor<?x64xf32> imports (per-tensor activation scale, per-channel weight
# scales on the static dimension), fuses into quantc.matmul + quantc.rescale
# on a dynamic M and runs for 0, 1, 5 and 33 tokens, bit-exact against NumPy,
# on every CPU code generator.
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED

import numpy as np

import quantc
from qtest import dense_shaped
from quantc import reference as ref

rng = np.random.default_rng(7)
W = (rng.standard_normal((64, 16)) * 0.3).astype(np.float32)
ws = (np.abs(W).max(axis=0) / 127).astype(np.float32)
xs = np.float32(0.05)
scales = "{" + ",".join(f"{v:.9e}" for v in ws) + "}"
wq_ty = f"tensor<64x16x!quant.uniform<i8:f32:1, {scales}>>"
IR = f"""
func.func @main(%x: tensor<?x64xf32>) -> tensor<?x16xf32> {{
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%n) : tensor<?x16xf32>
  %zero = arith.constant 0.0 : f32
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16xf32>) -> tensor<?x16xf32>
  %w = arith.constant {dense_shaped(W)}
  %q = quant.qcast %x : tensor<?x64xf32> to tensor<?x64x!quant.uniform<i8:f32, {xs:.9e}>>
  %d = quant.dcast %q : tensor<?x64x!quant.uniform<i8:f32, {xs:.9e}>> to tensor<?x64xf32>
  %wq = quant.qcast %w : tensor<64x16xf32> to {wq_ty}
  %wd = quant.dcast %wq : {wq_ty} to tensor<64x16xf32>
  %y = linalg.matmul ins(%d, %wd : tensor<?x64xf32>, tensor<64x16xf32>) outs(%z : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}}
"""

fused = quantc.run_pipeline(IR, "quantc-import-quant,quantc-fuse")
assert "quantc.matmul" in fused and "tensor<?x16xi32>" in fused, fused

wq = ref.quantize(W, ws.reshape(1, 16), qmin=-128, qmax=127)
failures = 0
for cpu in ["generic", "avx2", "vnni-emulated", "host"]:
    mod = quantc.compile_cpu(IR, pipeline=f"quantc-cpu-pipeline{{cpu={cpu}}}")
    for n in [0, 1, 5, 33]:
        x = rng.standard_normal((n, 64)).astype(np.float32)
        xq = ref.quantize(x, np.full((1, 1), xs), qmin=-128, qmax=127)
        want = ref.rescale(ref.int_matmul(xq, wq.T), np.full((1, 1), xs),
                           ws.reshape(1, 16))
        got = mod.main(x)
        if got.shape != (n, 16) or not np.array_equal(got, want):
            failures += 1
            print(f"FAIL cpu={cpu} tokens={n}: {got.shape}, max error "
                  f"{np.abs(got - want).max() if got.shape == want.shape else '-'}")
print("ALL PASSED" if failures == 0 else f"{failures} FAILED")
