# The README's main job: examples/mlp.mlir (upstream QDQ form) compiled with
# --quantc-cpu-pipeline and run with mlir-runner. Its int8 output is compared
# with an independent NumPy simulation of the same quantized model, and the
# checked-in file must equal what examples/gen_mlp.py generates.
# RUN: %python %s | FileCheck %s
# CHECK: example matches its generator
# CHECK: int8 output matches the NumPy QDQ simulation
# CHECK: float output matches NumPy

import os
import subprocess
import sys

import numpy as np
import qtest
from quantc import reference as ref

root = os.path.join(os.path.dirname(__file__), "..", "..", "..")
sys.path.insert(0, os.path.join(root, "examples"))
import gen_mlp as g  # noqa: E402

path = os.path.join(root, "examples", "mlp.mlir")
with open(path) as f:
    assert f.read().strip() == g.render().strip(), "examples/mlp.mlir is stale: regenerate it"
print("example matches its generator")

opt = subprocess.run([qtest.tool("quantc-opt"), path, "--quantc-cpu-pipeline"],
                     capture_output=True, text=True, check=True)
run = subprocess.run([qtest.tool("mlir-runner"), "-", "-e", "main", "-entry-point-result=void",
                      "-O3", "-shared-libs=" + os.environ["MLIR_RUNNER_LIBS"]],
                     input=opt.stdout, capture_output=True, text=True, check=True)
q_out, f_out = qtest.parse_memrefs(run.stdout)


def fq(x, scale, axis=None):
    """Fake quantization (narrow int8 range) as upstream QDQ types define it."""
    s = np.asarray(scale, np.float32)
    if axis == 0:
        s = s.reshape(-1, 1)
    else:
        s = s.reshape(1, 1)
    return ref.dequantize(ref.quantize(x, s), s)


s_x, s_h = np.float32(g.s_x), np.float32(g.s_h)
s_w1, s_w2 = g.s_w1.astype(np.float32), g.s_w2.astype(np.float32)
h = np.maximum(fq(g.x, s_x) @ fq(g.w1, s_w1, 0).T + g.b1, 0).astype(np.float32)
y = (fq(h, s_h) @ fq(g.w2, s_w2, 0).T + g.b2).astype(np.float32)
# printMemrefF32 prints 6 significant digits.
qtest.expect_close("int8 output", q_out, y, rtol=2e-5, atol=2e-6)
print("int8 output matches the NumPy QDQ simulation")
yf = (np.maximum(g.x @ g.w1.T + g.b1, 0) @ g.w2.T + g.b2).astype(np.float32)
qtest.expect_close("float output", f_out, yf, rtol=2e-5, atol=2e-6)
assert not np.allclose(q_out, f_out, rtol=1e-4), "quantization error vanished"
print("float output matches NumPy")
