"""run_pipeline: command-line pipeline syntax, nesting, and CompileError."""
import pytest

import quantc
from quantc import _quantc

QDQ = """
func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %q = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32, 0.5>>
  %y = quant.dcast %q : tensor<2x4x!quant.uniform<i8:f32, 0.5>> to tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
"""


def test_import_quant():
    out = quantc.run_pipeline(QDQ, "quantc-import-quant")
    assert "quantc.quantize" in out and "quantc.dequantize" in out
    assert "quant.qcast" not in out
    # The output is valid input again (round trip).
    assert quantc.run_pipeline(out, "cse") .count("quantc.quantize") == 1


def test_pipeline_syntax():
    n = _quantc.normalize_pipeline
    assert n("quantc-import-quant,quantc-verify-gemm") == "quantc-import-quant,quantc-verify-gemm"
    assert n("--quantc-import-quant, --cse") == "quantc-import-quant,cse"
    assert n('quantc-smoothquant="alpha=0.5 legalize-activations=per-token",cse') == \
        "quantc-smoothquant{alpha=0.5 legalize-activations=per-token},cse"
    assert n("quantc-smoothquant=alpha=0.5") == "quantc-smoothquant{alpha=0.5}"
    assert n("func.func(cse,canonicalize{max-iterations=2}),cse") == \
        "func.func(cse,canonicalize{max-iterations=2}),cse"


def test_function_passes_nest_automatically():
    # convert-linalg-to-loops anchors on functions; canonicalize takes an
    # option in command-line form; builtin.module(...) is accepted too.
    out = quantc.run_pipeline(QDQ, "quantc-import-quant,convert-quantc-to-linalg,"
                                   "canonicalize=max-iterations=3")
    assert "linalg.generic" in out
    out2 = quantc.run_pipeline(QDQ, "builtin.module(quantc-import-quant,"
                                    "convert-quantc-to-linalg,canonicalize)")
    assert out2 == out


def test_func_anchored_pass_is_nested():
    # promote-buffers-to-stack is restricted to func.func: given at the top
    # level it must be nested, not rejected.
    ir = """
func.func @g() -> f32 {
  %m = memref.alloc() : memref<4xf32>
  %c0 = arith.constant 0 : index
  %v = memref.load %m[%c0] : memref<4xf32>
  return %v : f32
}
"""
    out = quantc.run_pipeline(ir, "cse,promote-buffers-to-stack,canonicalize")
    assert "memref.alloca" in out and "memref.alloc(" not in out
    assert quantc.run_pipeline(ir, "func.func(promote-buffers-to-stack)") == \
        quantc.run_pipeline(ir, "promote-buffers-to-stack")


PER_CHANNEL_ACT = """
func.func @f(%xq: tensor<4x64xi8>, %xs: tensor<1x64xf32>, %wq: tensor<64x16xi8>, %ws: tensor<1x16xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<1x64xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<1x16xf32> -> tensor<64x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  %y = linalg.matmul ins(%xd, %wd : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
"""


def _has_pass(name):
    try:
        quantc.run_pipeline("module {}", name)
        return True
    except quantc.CompileError:
        return False


def test_remarks_are_returned():
    out, diags = quantc.run_pipeline(QDQ, "quantc-import-quant", return_diagnostics=True)
    assert "quantc.quantize" in out and diags == ""
    if _has_pass("quantc-report-cost"):
        _, diags = quantc.run_pipeline(PER_CHANNEL_ACT, "quantc-report-cost",
                                       return_diagnostics=True)
        assert "remark:" in diags and "quantc cost" in diags


@pytest.mark.skipif(not _has_pass("quantc-verify-gemm"),
                    reason="--quantc-verify-gemm is not in this build")
def test_verify_gemm_error_is_a_compile_error():
    with pytest.raises(quantc.CompileError) as e:
        quantc.run_pipeline(PER_CHANNEL_ACT, "quantc-import-quant,quantc-verify-gemm")
    assert "<input>:6:" in str(e.value)
    assert "per-channel scale 'tensor<1x64xf32>'" in str(e.value)
    assert "--quantc-smoothquant" in str(e.value)


def test_parse_error_carries_location():
    with pytest.raises(quantc.CompileError) as e:
        quantc.run_pipeline(QDQ.replace("quant.dcast", "quant.nope"), "cse")
    msg = str(e.value)
    assert "<input>:4:" in msg and "error" in msg
    assert e.value.diagnostics.strip() == msg


def test_unknown_pass():
    with pytest.raises(quantc.CompileError, match="quantc-no-such-pass"):
        quantc.run_pipeline(QDQ, "quantc-import-quant,quantc-no-such-pass")


def test_verifier_rejects_bad_scale():
    bad = """
func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xi8> {
  %s = arith.constant dense<0.0> : tensor<1x1xf32>
  %q = quantc.quantize %x, %s : tensor<2x4xf32>, tensor<1x1xf32> -> tensor<2x4xi8>
  return %q : tensor<2x4xi8>
}
"""
    with pytest.raises(quantc.CompileError, match="error"):
        quantc.run_pipeline(bad, "cse")


def test_pass_failure():
    # Parses fine, but a per-axis scale along a dynamic dimension cannot be
    # imported (a dynamic token count with a per-tensor scale can).
    dyn = QDQ.replace("tensor<2x4x", "tensor<?x4x").replace("tensor<2x4xf32>", "tensor<?x4xf32>")
    assert "quantc.quantize" in quantc.run_pipeline(dyn, "quantc-import-quant")
    axis = dyn.replace("i8:f32, 0.5", "i8:f32:0, {0.5, 0.25}")
    quantc.run_pipeline(axis, "cse")
    with pytest.raises(quantc.CompileError, match="needs a static size"):
        quantc.run_pipeline(axis, "quantc-import-quant")


def test_type_errors():
    with pytest.raises(TypeError):
        quantc.run_pipeline(b"module {}", "cse")


def test_nul_byte_is_an_error():
    # MLIR's lexer stops at NUL: without the check the prefix before it would
    # compile silently, dropping everything after.
    with pytest.raises(quantc.CompileError, match="NUL byte at offset"):
        quantc.run_pipeline(QDQ + "\0" + "garbage", "cse")
