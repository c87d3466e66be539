# Compiles quantc programs with --quantc-cpu-pipeline, runs them with
# mlir-runner and compares every result with the independent NumPy reference
# (python/quantc/reference.py): bit-exact for integers and for floats whose
# operation order matches, within float tolerance only for GELU (libm erf).
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED

import numpy as np
import qtest
from qtest import const, print_tensor, mlir_type
from quantc import reference as ref

rng = np.random.default_rng(1234)


def program(body_fn):
    """body_fn returns (mlir body lines, list of printed names)."""
    return "func.func @main() {\n" + body_fn() + "return\n}\n" + qtest.PRINT_DECLS


def run(body):
    return qtest.compile_and_run(program(lambda: body))


# 1. quantize/dequantize with every granularity, bit-exact (floats too).
x = (rng.standard_normal((6, 32)) * 3).astype(np.float32)
x[0, :4] = [1e6, -1e6, 0.0, -0.0]
x[1, 5] = 5000.0  # saturates under every scale below
for name, shape in [("tensor", (1, 1)), ("token", (6, 1)), ("channel", (1, 32)),
                    ("block8", (1, 4)), ("block2x16", (3, 2)), ("element", (6, 32))]:
    s = (rng.uniform(0.01, 0.1, size=shape)).astype(np.float32)
    body = const("x", x) + const("s", s)
    body += (f"%q = quantc.quantize %x, %s : {mlir_type(x)}, {mlir_type(s)} -> "
             f"tensor<6x32xi8>\n")
    body += print_tensor("%q", "tensor<6x32xi8>", "q")
    body += (f"%d = quantc.dequantize %q, %s : tensor<6x32xi8>, {mlir_type(s)} -> "
             f"tensor<6x32xf32>\n")
    body += print_tensor("%d", "tensor<6x32xf32>", "d", exact=True)
    q, d = run(body)
    want_q = ref.quantize(x, s)
    assert np.abs(want_q).max() == 127, "test must exercise saturation"
    qtest.expect_equal(f"quantize per-{name}", q, want_q)
    qtest.expect_equal(f"dequantize per-{name}", qtest.as_f32(d), ref.dequantize(want_q, s))

# 2. Affine (zero point) quantization with a narrow i4 range.
s = np.array([[0.25], [0.5], [1.0]], np.float32)
zp = np.array([[-2], [0], [3]], np.int32)
xa = (rng.standard_normal((3, 16)) * 3).astype(np.float32)
body = const("x", xa) + const("s", s) + const("z", zp)
body += ("%q = quantc.quantize %x, %s zero_point %z {qmin = -8 : i64, qmax = 7 : i64} : "
         "tensor<3x16xf32>, tensor<3x1xf32>, tensor<3x1xi32> -> tensor<3x16xi8>\n")
body += print_tensor("%q", "tensor<3x16xi8>", "q")
body += ("%d = quantc.dequantize %q, %s zero_point %z : tensor<3x16xi8>, tensor<3x1xf32>, "
         "tensor<3x1xi32> -> tensor<3x16xf32>\n")
body += print_tensor("%d", "tensor<3x16xf32>", "d", exact=True)
q, d = run(body)
want_q = ref.quantize(xa, s, zp, qmin=-8, qmax=7)
qtest.expect_equal("quantize affine [-8, 7]", q, want_q)
qtest.expect_equal("dequantize affine", qtest.as_f32(d), ref.dequantize(want_q, s, zp))

# 3. compute_scale per token / per tensor, with an all-zero row (scale 1).
xc = (rng.standard_normal((5, 24)) * 4).astype(np.float32)
xc[2] = 0.0
body = const("x", xc)
body += "%t = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<5x24xf32> -> tensor<5x1xf32>\n"
body += print_tensor("%t", "tensor<5x1xf32>", "t", exact=True)
body += "%a = quantc.compute_scale %x {dims = array<i64: 0, 1>} : tensor<5x24xf32> -> tensor<1x1xf32>\n"
body += print_tensor("%a", "tensor<1x1xf32>", "a", exact=True)
t, a = run(body)
want_t = ref.absmax_scale(xc, axis=1)
assert want_t[2, 0] == 1.0
qtest.expect_equal("compute_scale per-token", qtest.as_f32(t), want_t)
qtest.expect_equal("compute_scale per-tensor", qtest.as_f32(a), ref.absmax_scale(xc))

# 4. Integer GEMM, bit-exact int32: odd shapes, -128, batch.
for (n, c, d) in [(1, 1, 1), (3, 5, 7), (17, 67, 33)]:
    xq = rng.integers(-128, 128, size=(n, c), dtype=np.int8)
    wq = rng.integers(-128, 128, size=(d, c), dtype=np.int8)
    xq[0, 0] = -128
    wq[0, 0] = -128
    body = const("x", xq) + const("w", wq)
    body += (f"%y = quantc.matmul %x, %w : {mlir_type(xq)}, {mlir_type(wq)} -> "
             f"tensor<{n}x{d}xi32>\n")
    body += print_tensor("%y", f"tensor<{n}x{d}xi32>", "y")
    (y,) = run(body)
    qtest.expect_equal(f"matmul {n}x{c}x{d}", y, ref.int_matmul(xq, wq))

xq = rng.integers(-128, 128, size=(2, 4, 9), dtype=np.int8)
wq = rng.integers(-128, 128, size=(2, 6, 9), dtype=np.int8)
body = const("x", xq) + const("w", wq)
body += "%y = quantc.matmul %x, %w : tensor<2x4x9xi8>, tensor<2x6x9xi8> -> tensor<2x4x6xi32>\n"
body += print_tensor("%y", "tensor<2x4x6xi32>", "y")
(y,) = run(body)
qtest.expect_equal("batch matmul 2x4x9x6", y, ref.int_matmul(xq, wq))

# 5. Epilogue: float out with bias + relu (bit-exact), requantized (bit-exact,
#    saturating), gelu (libm erf: tolerance).
acc = rng.integers(-200000, 200000, size=(4, 8), dtype=np.int32)
xs = rng.uniform(0.001, 0.01, size=(4, 1)).astype(np.float32)
ws = rng.uniform(0.001, 0.01, size=(1, 8)).astype(np.float32)
b = rng.standard_normal((1, 8)).astype(np.float32)
os_ = np.array([[0.02]], np.float32)
body = const("acc", acc) + const("xs", xs) + const("ws", ws) + const("b", b) + const("os", os_)
sig = "tensor<4x8xi32>, tensor<4x1xf32>, tensor<1x8xf32>, tensor<1x8xf32>"
body += (f"%r = quantc.rescale %acc, %xs, %ws bias %b {{activation = #quantc.activation<relu>}} : "
         f"({sig}) -> tensor<4x8xf32>\n")
body += print_tensor("%r", "tensor<4x8xf32>", "r", exact=True)
body += (f"%g = quantc.rescale %acc, %xs, %ws bias %b {{activation = #quantc.activation<gelu>}} : "
         f"({sig}) -> tensor<4x8xf32>\n")
body += print_tensor("%g", "tensor<4x8xf32>", "g", exact=True)
body += (f"%o = quantc.rescale %acc, %xs, %ws bias %b output_scale %os : "
         f"({sig}, tensor<1x1xf32>) -> tensor<4x8xi8>\n")
body += print_tensor("%o", "tensor<4x8xi8>", "o")
r, g, o = run(body)
qtest.expect_equal("rescale bias+relu", qtest.as_f32(r), ref.rescale(acc, xs, ws, b, "relu"))
qtest.expect_close("rescale bias+gelu", qtest.as_f32(g), ref.rescale(acc, xs, ws, b, "gelu"),
                   rtol=1e-6, atol=1e-6)
want_o = ref.rescale(acc, xs, ws, b, output_scale=os_)
assert np.abs(want_o).max() == 127, "test must exercise requantize saturation"
qtest.expect_equal("rescale requantize", o, want_o)

# Residual (skip connection) after bias + ReLU, then requantize: bit-exact.
res = (rng.standard_normal((4, 8)) * 2).astype(np.float32)
body = (const("acc", acc) + const("xs", xs) + const("ws", ws) + const("b", b) +
        const("os", os_) + const("res", res))
body += (f"%q = quantc.rescale %acc, %xs, %ws bias %b output_scale %os residual %res "
         f"{{activation = #quantc.activation<relu>}} : ({sig}, tensor<1x1xf32>, "
         f"tensor<4x8xf32>) -> tensor<4x8xi8>\n")
body += print_tensor("%q", "tensor<4x8xi8>", "q")
body += (f"%f = quantc.rescale %acc, %xs, %ws residual %res : (tensor<4x8xi32>, "
         f"tensor<4x1xf32>, tensor<1x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>\n")
body += print_tensor("%f", "tensor<4x8xf32>", "f", exact=True)
q_res, f_res = run(body)
want_res = ref.rescale(acc, xs, ws, b, "relu", output_scale=os_, residual=res)
assert not np.array_equal(want_res, ref.rescale(acc, xs, ws, b, "relu", output_scale=os_))
qtest.expect_equal("rescale residual requantize", q_res, want_res)
qtest.expect_equal("rescale residual float", qtest.as_f32(f_res),
                   ref.rescale(acc, xs, ws, residual=res))

# 6. A whole dynamic per-token W8A8 linear: quantize, GEMM, epilogue.
xf = (rng.standard_normal((5, 40)) * 2).astype(np.float32)
wf = rng.standard_normal((12, 40)).astype(np.float32)
w_scale = ref.absmax_scale(wf, axis=1).reshape(1, 12)  # per output channel
wq = ref.quantize(wf, w_scale.reshape(12, 1))
body = const("x", xf) + const("wq", wq) + const("ws", w_scale)
body += "%xs = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<5x40xf32> -> tensor<5x1xf32>\n"
body += "%xq = quantc.quantize %x, %xs : tensor<5x40xf32>, tensor<5x1xf32> -> tensor<5x40xi8>\n"
body += "%acc = quantc.matmul %xq, %wq : tensor<5x40xi8>, tensor<12x40xi8> -> tensor<5x12xi32>\n"
body += ("%y = quantc.rescale %acc, %xs, %ws : (tensor<5x12xi32>, tensor<5x1xf32>, "
         "tensor<1x12xf32>) -> tensor<5x12xf32>\n")
body += print_tensor("%y", "tensor<5x12xf32>", "y", exact=True)
(y,) = run(body)
x_scale = ref.absmax_scale(xf, axis=1)
want = ref.rescale(ref.int_matmul(ref.quantize(xf, x_scale), wq), x_scale, w_scale)
qtest.expect_equal("W8A8 per-token linear", qtest.as_f32(y), want)
err = np.abs(qtest.as_f32(y) - xf @ wf.T).max() / np.abs(xf @ wf.T).max()
assert 0 < err < 0.05, f"quantization error {err} out of the expected range"
print(f"W8A8 linear relative error vs fp32: {err:.4f}")

# 7. Dynamic token count: a function over tensor<?x40xf32> called with 5 rows.
body = const("x", xf) + const("wq", wq) + const("ws", w_scale)
body += "%xd = tensor.cast %x : tensor<5x40xf32> to tensor<?x40xf32>\n"
body += ("%yd = call @linear(%xd, %wq, %ws) : (tensor<?x40xf32>, tensor<12x40xi8>, "
         "tensor<1x12xf32>) -> tensor<?x12xf32>\n")
body += "%y = tensor.cast %yd : tensor<?x12xf32> to tensor<5x12xf32>\n"
body += print_tensor("%y", "tensor<5x12xf32>", "y", exact=True)
linear = """
func.func @linear(%x: tensor<?x40xf32>, %wq: tensor<12x40xi8>, %ws: tensor<1x12xf32>) -> tensor<?x12xf32> {
  %xs = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<?x40xf32> -> tensor<?x1xf32>
  %xq = quantc.quantize %x, %xs : tensor<?x40xf32>, tensor<?x1xf32> -> tensor<?x40xi8>
  %acc = quantc.matmul %xq, %wq : tensor<?x40xi8>, tensor<12x40xi8> -> tensor<?x12xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<?x12xi32>, tensor<?x1xf32>, tensor<1x12xf32>) -> tensor<?x12xf32>
  return %y : tensor<?x12xf32>
}
"""
(y,) = qtest.compile_and_run(program(lambda: body) + linear)
qtest.expect_equal("W8A8 per-token linear, dynamic N", qtest.as_f32(y), want)

# 8. A linear whose epilogue has a residual: the x86 kernels read it like any
#    other [M, N] epilogue operand (fused, bit-exact with the reference).
xq8 = rng.integers(-128, 128, size=(6, 40), dtype=np.int8)
res8 = rng.standard_normal((6, 12)).astype(np.float32)
xs8 = rng.uniform(0.01, 0.02, size=(6, 1)).astype(np.float32)
body = const("xq", xq8) + const("wq", wq) + const("ws", w_scale) + const("xs", xs8)
body += const("res", res8)
body += "%acc = quantc.matmul %xq, %wq : tensor<6x40xi8>, tensor<12x40xi8> -> tensor<6x12xi32>\n"
body += ("%y = quantc.rescale %acc, %xs, %ws residual %res {activation = #quantc.activation<relu>} : "
         "(tensor<6x12xi32>, tensor<6x1xf32>, tensor<1x12xf32>, tensor<6x12xf32>) -> tensor<6x12xf32>\n")
body += print_tensor("%y", "tensor<6x12xf32>", "y", exact=True)
want8 = ref.rescale(ref.int_matmul(xq8, wq), xs8, w_scale, activation="relu", residual=res8)
for cpu in ("generic", "vnni-emulated", "avx2"):
    (y8,) = qtest.compile_and_run(program(lambda: body),
                                  pipeline=(f"--quantc-cpu-pipeline=cpu={cpu}",))
    qtest.expect_equal(f"linear + residual, cpu={cpu}", qtest.as_f32(y8), want8)

print("ALL PASSED")
