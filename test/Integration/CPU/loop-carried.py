# Loop-carried tensors (issue 14 item 5): a decode loop whose quantized GEMM
# result is carried through scf.for / scf.while compiles (one-shot
# bufferization refused it: "Yield operand #0 is not equivalent to the
# corresponding iter bbArg") and runs bit-exactly against NumPy on every CPU
# code generator.
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED

import numpy as np

import quantc
from qtest import dense_shaped
from quantc import reference as ref

rng = np.random.default_rng(5)
D = 64
wq = rng.integers(-127, 128, (D, D), dtype=np.int8)
xs = np.array([[0.05]], np.float32)
ws = rng.uniform(0.001, 0.003, (1, D)).astype(np.float32)

STEP = f"""
    %q = quantc.quantize %x, %xs : tensor<4x{D}xf32>, tensor<1x1xf32> -> tensor<4x{D}xi8>
    %acc = quantc.matmul %q, %w : tensor<4x{D}xi8>, tensor<{D}x{D}xi8> -> tensor<4x{D}xi32>
    %y = quantc.rescale %acc, %xs, %ws : (tensor<4x{D}xi32>, tensor<1x1xf32>, tensor<1x{D}xf32>) -> tensor<4x{D}xf32>
"""
CONSTS = f"""
  %w = arith.constant {dense_shaped(wq)}
  %xs = arith.constant {dense_shaped(xs)}
  %ws = arith.constant {dense_shaped(ws)}
"""
IR = f"""
func.func @for_loop(%x0: tensor<4x{D}xf32>, %n: index) -> tensor<4x{D}xf32> {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
{CONSTS}
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%x = %x0) -> (tensor<4x{D}xf32>) {{
{STEP}
    scf.yield %y : tensor<4x{D}xf32>
  }}
  return %r : tensor<4x{D}xf32>
}}
func.func @while_loop(%x0: tensor<4x{D}xf32>, %n: i32) -> tensor<4x{D}xf32> {{
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
{CONSTS}
  %r:2 = scf.while (%x = %x0, %i = %c0) : (tensor<4x{D}xf32>, i32) -> (tensor<4x{D}xf32>, i32) {{
    %go = arith.cmpi slt, %i, %n : i32
    scf.condition(%go) %x, %i : tensor<4x{D}xf32>, i32
  }} do {{
  ^bb0(%x: tensor<4x{D}xf32>, %i: i32):
{STEP}
    %i1 = arith.addi %i, %c1 : i32
    scf.yield %y, %i1 : tensor<4x{D}xf32>, i32
  }}
  return %r#0 : tensor<4x{D}xf32>
}}
"""


def numpy_loop(x, n):
    for _ in range(n):
        q = ref.quantize(x, xs)
        x = ref.rescale(ref.int_matmul(q, wq), xs, ws)
    return x


failures = 0
x0 = rng.standard_normal((4, D)).astype(np.float32)
for cpu in ("generic", "avx2", "vnni-emulated", "host"):
    mod = quantc.compile_cpu(IR, pipeline=f"quantc-cpu-pipeline{{cpu={cpu}}}")
    for n in (0, 1, 3):
        want = numpy_loop(x0, n)
        for name, got in (("scf.for", mod.for_loop(x0, n)),
                          ("scf.while", mod.while_loop(x0, np.int32(n)))):
            if not np.array_equal(got, want):
                failures += 1
                print(f"FAIL {name} cpu={cpu} n={n}: max error {np.abs(got - want).max()}")
print("ALL PASSED" if failures == 0 else f"{failures} FAILED")
