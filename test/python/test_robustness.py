"""Issue 15 (hardening, round 2): bad input through the Python API ends in a
CompileError or a TypeError/ValueError -- never a dead interpreter, a
MemoryError or a silently wrong number."""
import pytest

import quantc


def test_deep_nesting_is_a_compile_error():
    # 5000 nested regions overflow the stack of MLIR's recursive parser; the
    # facade screens the text before parsing, in this interpreter.
    deep = ("func.func @f() {\n" + "scf.execute_region {\n" * 5000 +
            "scf.yield\n}\n" * 5000 + "return\n}\n")
    with pytest.raises(quantc.CompileError, match="nest deeper than 1000"):
        quantc.run_pipeline(deep, "quantc-import-quant")
    with pytest.raises(quantc.CompileError, match="nest deeper than 1000"):
        quantc.compile_cpu(deep)
