"""IR builders: the emitted float / QDQ / int forms, compiled and run,
against NumPy (bit-exact for the integer form)."""
import numpy as np
import pytest

import quantc

N = 8


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((N, 16)).astype(np.float32)
    x[:, [2, 11]] *= 25.0
    w1 = (rng.standard_normal((32, 16)) * 0.3).astype(np.float32)
    b1 = rng.standard_normal(32).astype(np.float32)
    w2 = (rng.standard_normal((8, 32)) * 0.3).astype(np.float32)
    b2 = rng.standard_normal(8).astype(np.float32)
    o1 = quantc.AbsMaxObserver().update(x)
    h = np.maximum(x @ w1.T + b1, 0)
    o2 = quantc.AbsMaxObserver().update(h)
    layers = [quantc.Linear(w1, b1, "relu", o1.absmax), quantc.Linear(w2, b2, "none", o2.absmax)]
    return x, layers


def test_float_form(model):
    x, layers = model
    ir = quantc.mlp_ir(layers, N)
    assert ir.count("quantc.observe") == 2 and ir.count("linalg.matmul") == 2
    y = quantc.compile_cpu(ir).forward(x)
    expect = np.maximum(x @ layers[0].weight.T + layers[0].bias, 0) @ layers[1].weight.T + layers[1].bias
    np.testing.assert_allclose(y, expect, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("alpha", [None, 0.5])
@pytest.mark.parametrize("acts", ["per-token", "per-tensor"])
def test_int_form_is_bit_exact(model, alpha, acts):
    x, layers = model
    q = quantc.quantize_layers(layers, alpha, acts)
    ir = quantc.mlp_ir(q, N, form="int")
    assert ir.count("quantc.matmul") == 2 and ir.count("quantc.rescale") == 2
    assert ("quantc.smooth" in ir) == (alpha is not None)
    assert ("quantc.compute_scale" in ir) == (acts == "per-token")
    y = quantc.compile_cpu(ir).forward(x)
    np.testing.assert_array_equal(y, quantc.mlp_reference(q, x, "int"))


@pytest.mark.parametrize("alpha", [None, 0.5])
def test_qdq_form(model, alpha):
    x, layers = model
    q = quantc.quantize_layers(layers, alpha)
    ir = quantc.mlp_ir(q, N, form="qdq")
    assert "quantc.matmul" not in ir and ir.count("linalg.matmul") == 2
    y = quantc.compile_cpu(ir).forward(x)
    np.testing.assert_allclose(y, quantc.mlp_reference(q, x, "qdq"), rtol=1e-5, atol=1e-4)
    # QDQ and the fused integer form compute the same model.
    np.testing.assert_allclose(y, quantc.mlp_reference(q, x, "int"), rtol=1e-4, atol=1e-3)


def test_smoothing_helps_with_outlier_channels(model):
    x, layers = model
    yf = quantc.mlp_reference(layers, x)
    err = {a: np.abs(quantc.mlp_reference(quantc.quantize_layers(layers, a), x) - yf).mean()
           for a in (None, 0.5)}
    assert err[0.5] < err[None]


def test_gelu_linear():
    rng = np.random.default_rng(3)
    w = rng.standard_normal((6, 4)).astype(np.float32)
    x = rng.standard_normal((N, 4)).astype(np.float32)
    y = quantc.compile_cpu(quantc.linear_ir(w, tokens=N, activation="gelu")).forward(x)
    np.testing.assert_allclose(y, quantc.reference.gelu(x @ w.T), rtol=1e-5, atol=1e-5)
    qi = quantc.linear_ir(w, tokens=N, activation="gelu", form="int")
    q = quantc.quantize_layers([quantc.Linear(w, activation="gelu")])
    np.testing.assert_allclose(quantc.compile_cpu(qi).forward(x),
                               quantc.mlp_reference(q, x, "int"), rtol=1e-5, atol=1e-5)


def test_builder_errors(model):
    x, layers = model
    w = np.ones((4, 3), np.float32)
    with pytest.raises(ValueError, match="bias"):
        quantc.Linear(w, np.ones(3))
    with pytest.raises(ValueError, match="activation"):
        quantc.Linear(w, activation="tanh")
    with pytest.raises(ValueError, match="act_absmax"):
        quantc.Linear(w, act_absmax=np.ones(4))
    with pytest.raises(ValueError, match="does not match"):
        quantc.mlp_ir([layers[1], layers[0]], N)
    with pytest.raises(ValueError, match="statistics"):
        quantc.quantize_layers([quantc.Linear(w)], alpha=0.5)
    with pytest.raises(ValueError, match="quantize_layers"):
        quantc.mlp_ir(layers, N, form="int")


def _has_pass(name):
    try:
        quantc.run_pipeline("module {}", name)
        return True
    except quantc.CompileError:
        return False


@pytest.mark.skipif(not (_has_pass("quantc-smoothquant") and _has_pass("quantc-quantize")),
                    reason="--quantc-smoothquant / --quantc-quantize are not in this build")
@pytest.mark.parametrize("alpha", [None, 0.5])
def test_passes_agree_with_the_builders(model, alpha):
    # The float form through the compiler's passes computes exactly what the
    # builders' QDQ form computes (checked with the smoothquant branch).
    x, layers = model
    steps = ([f"quantc-smoothquant=alpha={alpha}"] if alpha is not None else [])
    out = quantc.run_pipeline(quantc.mlp_ir(layers, N), ",".join(steps + ["quantc-quantize"]))
    assert "quantc.quantize" in out
    y_passes = quantc.compile_cpu(out).forward(x)
    q = quantc.quantize_layers(layers, alpha)
    y_builders = quantc.compile_cpu(quantc.mlp_ir(q, N, form="qdq")).forward(x)
    np.testing.assert_array_equal(y_passes, y_builders)
