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


def test_remarks_are_returned():
    out, diags = quantc.run_pipeline(QDQ, "quantc-import-quant", return_diagnostics=True)
    assert "quantc.quantize" in out and diags == ""


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
    # Parses fine, but import-quant needs static shapes for quantized tensors.
    dyn = QDQ.replace("tensor<2x4x", "tensor<?x4x").replace("tensor<2x4xf32>", "tensor<?x4xf32>")
    quantc.run_pipeline(dyn, "cse")
    with pytest.raises(quantc.CompileError, match="static shape"):
        quantc.run_pipeline(dyn, "quantc-import-quant")


def test_type_errors():
    with pytest.raises(TypeError):
        quantc.run_pipeline(b"module {}", "cse")
