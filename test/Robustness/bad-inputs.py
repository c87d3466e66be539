# Every bad input gets a diagnostic and exit code 1 from quantc-opt -- never a
# crash (a signal, exit code 134/139), never silence, never exit 0.
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: bad inputs: all rejected with a diagnostic and exit code 1

import os
import subprocess

import qtest

from pipelines import PIPELINES

GOOD = """func.func @f(%x: tensor<4x8xf32>, %s: tensor<4x1xf32>) -> tensor<4x8xi8> {
  %q = quantc.quantize %x, %s : tensor<4x8xf32>, tensor<4x1xf32> -> tensor<4x8xi8>
  return %q : tensor<4x8xi8>
}
"""

CASES = {
    "empty-op": "func.func @f() { quantc.quantize }",
    "truncated": GOOD[: len(GOOD) // 2],
    "binary garbage": bytes(range(256)).decode("latin-1") * 4,
    "NUL bytes": "\x00" * 64,
    "unknown op": "func.func @f() { quantc.frobnicate }",
    "mis-shaped scale": GOOD.replace("tensor<4x1xf32>", "tensor<3x1xf32>"),
    "rank mismatch": GOOD.replace("tensor<4x1xf32>", "tensor<4xf32>"),
    "float storage": GOOD.replace("xi8>", "xf32>"),
    "zero scale": """func.func @f(%x: tensor<4xf32>) -> tensor<4xi8> {
  %s = arith.constant dense<0.0> : tensor<1xf32>
  %q = quantc.quantize %x, %s : tensor<4xf32>, tensor<1xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}""",
    "negative scale": """func.func @f(%q: tensor<4xi8>) -> tensor<4xf32> {
  %s = arith.constant dense<-1.0> : tensor<1xf32>
  %x = quantc.dequantize %q, %s : tensor<4xi8>, tensor<1xf32> -> tensor<4xf32>
  return %x : tensor<4xf32>
}""",
    "NaN statistics": """func.func @f(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %y = quantc.observe %x {absmax = dense<[0x7FC00000, 1.0]> : tensor<2xf32>} : tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}""",
    "unsigned quant storage": """func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<u16:f32, 0.25:128>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<u16:f32, 0.25:128>> to tensor<4xf32>
  return %d : tensor<4xf32>
}""",
    # A dynamic token count imports (issue 14); a per-axis scale along the
    # dynamic dimension cannot.
    "per-axis scale on a dynamic dimension": """func.func @f(%x: tensor<?xf32>) -> tensor<?xf32> {
  %q = quant.qcast %x : tensor<?xf32> to tensor<?x!quant.uniform<i8:f32:0, {0.25, 0.5}>>
  %d = quant.dcast %q : tensor<?x!quant.uniform<i8:f32:0, {0.25, 0.5}>> to tensor<?xf32>
  return %d : tensor<?xf32>
}""",
}

BIG = "9223372036854775807"
CASES.update({
    # Fuzzer crash 1 (docs/FUZZING.md): an op name cut off at end of input,
    # no trailing newline.
    "cut-off op name at EOF": "xegpTh.Squan",
    # Fuzzer crash 9: MLIR 22's linalg named-op parser segfaults (stock
    # mlir-opt too) when the `<...>` properties are not a dictionary.
    "linalg named op, array properties":
        "func.func @f() {\n  %y = linalg.matmul <[[0.5, 0.25]]> : tensor<1x2xf32>\n}",
    "linalg named op, integer properties":
        "func.func @f() {\n  %y = linalg.add  < 1> : tensor<1x2xf32>\n}",
    "linalg named op, string properties":
        'func.func @f() {\n  %y = linalg.fill <"s"> : tensor<1x2xf32>\n}',
    "truncated quant type": "func.func @f(%x: tensor<4x!quant.uniform<i8:f32, ",
    "inf scale": CASES["zero scale"].replace("dense<0.0>", "dense<0x7F800000>"),
    "NaN scale": CASES["zero scale"].replace("dense<0.0>", "dense<0x7FC00000>"),
    "NaN splat scale of a huge tensor": f"""func.func @f(%x: tensor<2x{BIG}xf32>) -> tensor<2x{BIG}xi8> {{
  %s = arith.constant dense<0x7FC00000> : tensor<1x{BIG}xf32>
  %q = quantc.quantize %x, %s : tensor<2x{BIG}xf32>, tensor<1x{BIG}xf32> -> tensor<2x{BIG}xi8>
  return %q : tensor<2x{BIG}xi8>
}}""",
    "i64 storage": GOOD.replace("xi8>", "xi64>"),
    "i16 matmul operands": """func.func @f(%x: tensor<4x8xi16>, %w: tensor<16x8xi16>) -> tensor<4x16xi32> {
  %y = quantc.matmul %x, %w : tensor<4x8xi16>, tensor<16x8xi16> -> tensor<4x16xi32>
  return %y : tensor<4x16xi32>
}""",
    "unranked quant tensor": """func.func @f(%x: tensor<*xf32>) -> tensor<*xf32> {
  %q = quant.qcast %x : tensor<*xf32> to tensor<*x!quant.uniform<i8:f32, 0.25>>
  %d = quant.dcast %q : tensor<*x!quant.uniform<i8:f32, 0.25>> to tensor<*xf32>
  return %d : tensor<*xf32>
}""",
    "scalar quant value": """func.func @f(%x: f32) -> f32 {
  %q = quant.qcast %x : f32 to !quant.uniform<i8:f32, 0.25>
  %d = quant.dcast %q : !quant.uniform<i8:f32, 0.25> to f32
  return %d : f32
}""",
    "quantized vector": """func.func @f(%x: vector<4xf32>) -> vector<4xf32> {
  %q = quant.qcast %x : vector<4xf32> to vector<4x!quant.uniform<i8:f32, 0.25>>
  %d = quant.dcast %q : vector<4x!quant.uniform<i8:f32, 0.25>> to vector<4xf32>
  return %d : vector<4xf32>
}""",
    "quantized memref": """func.func @f(%x: memref<4xf32>) -> memref<4x!quant.uniform<i8:f32, 0.25>> {
  %q = quant.qcast %x : memref<4xf32> to memref<4x!quant.uniform<i8:f32, 0.25>>
  return %q : memref<4x!quant.uniform<i8:f32, 0.25>>
}""",
    # Fuzzer crash 10 (issue 15 campaign): MLIR 22's custom parser of
    # linalg.transpose / broadcast / reduce segfaults (stock mlir-opt too) on
    # a permutation or dimensions list that is not plain integers.
    "linalg.transpose, malformed permutation": """func.func @f(%a: tensor<2x3xf32>, %e: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %t = linalg.transpose ins(%a : tensor<2x3xf32>) outs(%e : tensor<3x2xf32>) permutation = [1,(0]
  return %t : tensor<3x2xf32>
}""",
    "linalg.broadcast, malformed dimensions": """func.func @f(%a: tensor<3xf32>, %e: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %t = linalg.broadcast ins(%a : tensor<3xf32>) outs(%e : tensor<2x3xf32>) dimensions = [x]
  return %t : tensor<2x3xf32>
}""",
    # Round 2 (issue 15): valid ops nested 5000 deep overflow the stack of
    # MLIR's recursive parser (stock mlir-opt too); screened before parsing.
    "5000-deep nesting": "func.func @f() {\n" + "scf.execute_region {\n" * 5000
        + "scf.yield\n}\n" * 5000 + "return\n}\n",
})

# Upstream quant IR is valid input to a pass that does not import it.
IMPORTING = {"unsigned quant storage", "per-axis scale on a dynamic dimension",
             "unranked quant tensor", "scalar quant value"}


def matmul(elem, x="4x8", w="8x16", z="4x16", weight_const=True):
    wdef = (f"%w = arith.constant dense<1.0> : tensor<{w}x{elem}>" if weight_const
            else f"%w = tensor.empty() : tensor<{w}x{elem}>")
    return f"""func.func @f(%x: tensor<{x}x{elem}>, %z: tensor<{z}x{elem}>) -> tensor<{z}x{elem}> {{
  {wdef}
  %o = quantc.observe %x {{absmax = dense<2.0> : tensor<{x.split("x")[-1]}xf32>}} : tensor<{x}x{elem}>
  %y = linalg.matmul ins(%o, %w : tensor<{x}x{elem}>, tensor<{w}x{elem}>) outs(%z : tensor<{z}x{elem}>) -> tensor<{z}x{elem}>
  return %y : tensor<{z}x{elem}>
}}"""


# Valid IR a pipeline may compile (exit 0) or refuse (exit 1 with "error:"),
# but never crash, hang (20 s) or exhaust memory: types a pipeline does not
# quantize, dynamic shapes, and shapes whose sizes overflow int64.
ANY = {
    "f64 matmul": matmul("f64"),
    "bf16 matmul": matmul("bf16"),
    "f128 matmul": matmul("f128"),
    "dynamic rows": matmul("f32", x="?x8", z="?x16"),
    "dynamic quant tensor": """func.func @f(%x: tensor<?xf32>) -> tensor<?xf32> {
  %q = quant.qcast %x : tensor<?xf32> to tensor<?x!quant.uniform<i8:f32, 0.25>>
  %d = quant.dcast %q : tensor<?x!quant.uniform<i8:f32, 0.25>> to tensor<?xf32>
  return %d : tensor<?xf32>
}""",
    "dynamic reduction": matmul("f32", x="4x?", w="?x16", weight_const=False),
    "huge rows": matmul("f32", x=f"{BIG}x8", z=f"{BIG}x16"),
    "huge reduction": matmul("f32", x=f"4x{BIG}", w=f"{BIG}x16"),
    "empty reduction": matmul("f32", x="4x0", w="0x16"),
    "complex matmul": """func.func @f(%x: tensor<4x8xcomplex<f32>>, %w: tensor<8x16xcomplex<f32>>, %z: tensor<4x16xcomplex<f32>>) -> tensor<4x16xcomplex<f32>> {
  %y = linalg.matmul ins(%x, %w : tensor<4x8xcomplex<f32>>, tensor<8x16xcomplex<f32>>) outs(%z : tensor<4x16xcomplex<f32>>) -> tensor<4x16xcomplex<f32>>
  return %y : tensor<4x16xcomplex<f32>>
}""",
    "memref matmul": """func.func @f(%x: memref<4x8xf32>, %w: memref<8x16xf32>, %z: memref<4x16xf32>) {
  linalg.matmul ins(%x, %w : memref<4x8xf32>, memref<8x16xf32>) outs(%z : memref<4x16xf32>)
  return
}""",
    "i4 quantc.matmul": """func.func @f(%x: tensor<4x8xi4>, %w: tensor<16x8xi4>) -> tensor<4x16xi32> {
  %y = quantc.matmul %x, %w : tensor<4x8xi4>, tensor<16x8xi4> -> tensor<4x16xi32>
  return %y : tensor<4x16xi32>
}""",
    "dynamic quantc.matmul": """func.func @f(%x: tensor<?x8xi8>, %w: tensor<16x?xi8>) -> tensor<?x16xi32> {
  %y = quantc.matmul %x, %w : tensor<?x8xi8>, tensor<16x?xi8> -> tensor<?x16xi32>
  return %y : tensor<?x16xi32>
}""",
    "dynamic quantize": GOOD.replace("4x8x", "?x8x").replace("4x1x", "?x1x"),
    "quantize fold of a huge splat": f"""func.func @f() -> tensor<{BIG}xi8> {{
  %x = arith.constant dense<1.0> : tensor<{BIG}xf32>
  %s = arith.constant dense<0.5> : tensor<1xf32>
  %q = quantc.quantize %x, %s : tensor<{BIG}xf32>, tensor<1xf32> -> tensor<{BIG}xi8>
  return %q : tensor<{BIG}xi8>
}}""",
    "huge quantized GEMM": """func.func @f(%x: tensor<3000000000x3000000000xf32>, %z: tensor<3000000000x3000000000xf32>) -> tensor<3000000000x3000000000xf32> {
  %s = arith.constant dense<0.5> : tensor<1x1xf32>
  %wq = arith.constant dense<3> : tensor<3000000000x3000000000xi8>
  %q = quantc.quantize %x, %s : tensor<3000000000x3000000000xf32>, tensor<1x1xf32> -> tensor<3000000000x3000000000xi8>
  %xd = quantc.dequantize %q, %s : tensor<3000000000x3000000000xi8>, tensor<1x1xf32> -> tensor<3000000000x3000000000xf32>
  %wd = quantc.dequantize %wq, %s : tensor<3000000000x3000000000xi8>, tensor<1x1xf32> -> tensor<3000000000x3000000000xf32>
  %y = linalg.matmul ins(%xd, %wd : tensor<3000000000x3000000000xf32>, tensor<3000000000x3000000000xf32>) outs(%z : tensor<3000000000x3000000000xf32>) -> tensor<3000000000x3000000000xf32>
  return %y : tensor<3000000000x3000000000xf32>
}""",
}

failures = 0
for name, text in ANY.items():
    for pipeline in PIPELINES:
        try:
            p = subprocess.run([qtest.tool("quantc-opt"), "-", *pipeline, "-o", os.devnull],
                               input=text.encode(), capture_output=True, timeout=20)
        except subprocess.TimeoutExpired:
            failures += 1
            print(f"FAIL {name} {' '.join(pipeline)}: hang (> 20 s)")
            continue
        err = p.stderr.decode("latin-1")
        if p.returncode not in (0, 1) or (p.returncode == 1 and "error:" not in err):
            failures += 1
            print(f"FAIL {name} {' '.join(pipeline)}: exit {p.returncode}\n{err[-600:]}")

for name, text in CASES.items():
    for pipeline in PIPELINES:
        if name in IMPORTING and not any(
                a.startswith(("--quantc-import-quant", "--quantc-cpu-pipeline",
                              "--quantc-gpu-pipeline")) for a in pipeline):
            continue
        p = subprocess.run([qtest.tool("quantc-opt"), "-", *pipeline],
                           input=text.encode("latin-1"), capture_output=True)
        err = p.stderr.decode("latin-1")
        if p.returncode != 1 or "error:" not in err:
            failures += 1
            print(f"FAIL {name} {' '.join(pipeline)}: exit {p.returncode}\n{err[-600:]}")

if failures == 0:
    print("bad inputs: all rejected with a diagnostic and exit code 1")
