# Issue 15 (hardening, round 2): every input the adversarial campaign found
# goes through every pipeline and ends in a diagnostic with exit code 1 (bad
# input) or compiles (valid IR, exit 0) -- never a crash, a hang or an
# internal message. The Python-side findings are in test/python/test_robustness.py.
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: round 2: every input handled

import os
import subprocess

import qtest

from pipelines import PIPELINES

BAD = {
    # A zero point outside the stored range (every value dequantized to about
    # -436 silently).
    "zero point 1000 on i8": """func.func @f(%q: tensor<4xi8>) -> tensor<4xf32> {
  %s = arith.constant dense<0.5> : tensor<1xf32>
  %z = arith.constant dense<1000> : tensor<1xi32>
  %x = quantc.dequantize %q, %s zero_point %z : tensor<4xi8>, tensor<1xf32>, tensor<1xi32> -> tensor<4xf32>
  return %x : tensor<4xf32>
}""",
    "quant zero point outside i32": """func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i32:f32, 0.5:3000000000>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i32:f32, 0.5:3000000000>> to tensor<4xf32>
  return %d : tensor<4xf32>
}""",
}
# Only the pipelines that import or run the failing check reject these.
BAD_FOR = {
    "quant zero point outside i32": ("--quantc-import-quant", "--quantc-cpu-pipeline",
                                     "--quantc-gpu-pipeline"),
}

VALID = {
    "scale of 0 rows": """func.func @f(%x: tensor<0x8xf32>) -> tensor<0x8xi8> {
  %s = arith.constant dense<1.0> : tensor<0x1xf32>
  %q = quantc.quantize %x, %s : tensor<0x8xf32>, tensor<0x1xf32> -> tensor<0x8xi8>
  return %q : tensor<0x8xi8>
}""",
    "0-token matmul": """func.func @f(%x: tensor<0x64xf32>, %z: tensor<0x16xf32>) -> tensor<0x16xf32> {
  %w = arith.constant dense<0.5> : tensor<64x16xf32>
  %y = linalg.matmul ins(%x, %w : tensor<0x64xf32>, tensor<64x16xf32>) outs(%z : tensor<0x16xf32>) -> tensor<0x16xf32>
  return %y : tensor<0x16xf32>
}""",
    "own @GOMP_parallel with the runtime's type": """func.func private @GOMP_parallel(!llvm.ptr, !llvm.ptr, i32, i32)
func.func @f(%x: tensor<256x512xi8>) -> tensor<256x512xi32> {
  %w = arith.constant dense<1> : tensor<512x512xi8>
  %y = quantc.matmul %x, %w : tensor<256x512xi8>, tensor<512x512xi8> -> tensor<256x512xi32>
  return %y : tensor<256x512xi32>
}""",
    "huge splat weight": """func.func @f(%x: tensor<4x64xi8>) -> tensor<4x134217728xi32> {
  %w = arith.constant dense<1> : tensor<134217728x64xi8>
  %y = quantc.matmul %x, %w : tensor<4x64xi8>, tensor<134217728x64xi8> -> tensor<4x134217728xi32>
  return %y : tensor<4x134217728xi32>
}""",
    "i64 zero point tensor": """func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = arith.constant dense<0.5> : tensor<1xf32>
  %z = arith.constant dense<3> : tensor<1xi64>
  %q = quantc.quantize %x, %s zero_point %z : tensor<4xf32>, tensor<1xf32>, tensor<1xi64> -> tensor<4xi8>
  %d = quantc.dequantize %q, %s zero_point %z : tensor<4xi8>, tensor<1xf32>, tensor<1xi64> -> tensor<4xf32>
  return %d : tensor<4xf32>
}""",
    "quantized tensor through reshape and slice": """func.func @f(%x: tensor<2x4xf32>) -> (tensor<8xf32>, tensor<1x4xf32>) {
  %q = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32, 0.5>>
  %c = tensor.collapse_shape %q [[0, 1]] : tensor<2x4x!quant.uniform<i8:f32, 0.5>> into tensor<8x!quant.uniform<i8:f32, 0.5>>
  %d = quant.dcast %c : tensor<8x!quant.uniform<i8:f32, 0.5>> to tensor<8xf32>
  %e = tensor.extract_slice %q[0, 0] [1, 4] [1, 1] : tensor<2x4x!quant.uniform<i8:f32, 0.5>> to tensor<1x4x!quant.uniform<i8:f32, 0.5>>
  %g = quant.dcast %e : tensor<1x4x!quant.uniform<i8:f32, 0.5>> to tensor<1x4xf32>
  return %d, %g : tensor<8xf32>, tensor<1x4xf32>
}""",
    "quant.scast on a dynamic shape": """func.func @f(%q: tensor<?x4xi8>) -> tensor<?x4xf32> {
  %t = quant.scast %q : tensor<?x4xi8> to tensor<?x4x!quant.uniform<i8:f32, 0.5>>
  %d = quant.dcast %t : tensor<?x4x!quant.uniform<i8:f32, 0.5>> to tensor<?x4xf32>
  return %d : tensor<?x4xf32>
}""",
}

failures = 0


def run(text, pipeline):
    try:
        return subprocess.run([qtest.tool("quantc-opt"), "-", *pipeline, "-o", os.devnull],
                              input=text.encode(), capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return None


for name, text in BAD.items():
    for pipeline in PIPELINES:
        p = run(text, pipeline)
        must_fail = name not in BAD_FOR or any(a.startswith(BAD_FOR[name]) for a in pipeline)
        err = p.stderr.decode("latin-1") if p else ""
        ok = p is not None and (
            (p.returncode == 1 and "error:" in err) if must_fail else p.returncode in (0, 1))
        if not ok:
            failures += 1
            print(f"FAIL {name} {' '.join(pipeline)}: exit {p and p.returncode}\n{err[-600:]}")

for name, text in VALID.items():
    for pipeline in PIPELINES:
        p = run(text, pipeline)
        err = p.stderr.decode("latin-1") if p else ""
        # Valid IR compiles through every pipeline.
        if p is None or p.returncode != 0:
            failures += 1
            print(f"FAIL {name} {' '.join(pipeline)}: exit {p and p.returncode}\n{err[-600:]}")

if failures == 0:
    print("round 2: every input handled")
