"""quantize(scheme="w4a16") of the PyTorch frontend (issues 18 and 20):
4-bit weights in [-7, 7] with f32 scales per group of input channels (128,
or the largest of 64 / 32 dividing C) and output channel, float
activations, run on the fused x86 weight-only kernel. The compiled model
equals an independent NumPy simulation of that quantization (float64 GEMMs
of the dequantized weights) within f32 rounding; its error against the float
module is stated."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")  # python3-torch is in quantc.sh's package list
import torch.nn as nn  # noqa: E402

import quantc  # noqa: E402


def _model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(256, 96), nn.ReLU(), nn.Linear(96, 40)).eval()


def _w4_numpy(w, group):
    """W [D, C] -> (q - 0) * s in float64: s = max|W| / 7 per output row and
    group of `group` input channels (f32), q = round half to even of the f32
    quotient, clamped to [-7, 7]."""
    w = w.astype(np.float32)
    d, c = w.shape
    blocks = w.reshape(d, c // group, group)
    s = (np.abs(blocks).max(axis=2, keepdims=True) / np.float32(7)).astype(np.float32)
    s[s == 0] = 1
    q = np.clip(np.rint(blocks / s), -7, 7)
    assert np.all(q == np.round(q))
    return (q.astype(np.float64) * s.astype(np.float64)).reshape(d, c)


def _simulate(m, x, schemes):
    """The MLP with each Linear's weight dequantized per `schemes` (group or
    None for float), in float64."""
    h = x.astype(np.float64)
    for i, layer in enumerate([m[0], m[2]]):
        w = layer.weight.detach().numpy()
        g = schemes[i]
        wd = w.astype(np.float64) if g is None else _w4_numpy(w, g)
        h = h @ wd.T + layer.bias.detach().numpy().astype(np.float64)
        if i == 0:
            h = np.maximum(h, 0)
    return h


def _rel(y, r):
    return float(np.linalg.norm(y - r) / np.linalg.norm(r))


def test_w4a16_matches_numpy_and_runs_on_the_kernel():
    m = _model()
    x = torch.randn(7, 256)  # odd token count
    tm = quantc.from_torch(m, (x,))
    tm.quantize("w4a16")
    ir = tm.mlir()
    assert "quantc.matmul" not in ir
    # C = 256: groups of 128; C = 96: groups of 32.
    assert ir.count("xi4>") >= 2 and "xi8>" not in ir
    report = tm.report()
    assert "w4a16 (g=128)" in report and "w4a16 (g=32)" in report
    assert [c[1] for c in tm.choices] == ["w4a16", "w4a16"]
    # Both GEMMs take the fused kernel (no dequantized-to-float remark).
    # (The weights are i4 blobs: the text with their bytes.)
    full = tm._module.mlir(elide_resources_over=None)
    out, diags = quantc.run_pipeline(full, "quantc-cpu-pipeline", return_diagnostics=True)
    assert out.count("__quantc_x86_w4a16_gemm") >= 2 and "dequantized to float" not in diags
    exe = tm.compile()
    for seed in range(2):
        xs = np.random.default_rng(seed).standard_normal((7, 256)).astype(np.float32)
        y = exe(xs)
        sim = _simulate(m, xs, (128, 32))
        assert np.abs(y - sim).max() <= 1e-5 * np.abs(sim).max()
        # The quantization error itself (stated in docs/PYTORCH.md): about 8 %
        # relative Frobenius error on this random-weight MLP.
        want = m(torch.from_numpy(xs)).detach().numpy()
        assert 0.01 < _rel(y, want) < 0.15


def test_w4a16_override_and_per_channel_fallback():
    """An override puts one layer on W4A16; C = 40 (no group of 128 / 64 /
    32 divides it) gets one 4-bit scale per output channel."""
    torch.manual_seed(1)
    m = nn.Sequential(nn.Linear(64, 40), nn.ReLU(), nn.Linear(40, 24)).eval()
    x = torch.randn(1, 64)  # M = 1 (decode)
    tm = quantc.from_torch(m, (x,))
    tm.quantize("w8a16", overrides={"2": {"scheme": "w4a16"}})
    ir = tm.mlir()
    assert "tensor<40x64xi8>" in ir or "tensor<64x40xi8>" in ir
    assert "tensor<24x40xi4>" in ir or "tensor<40x24xi4>" in ir
    assert "w4a16 (per channel)" in tm.report()
    xs = np.random.default_rng(3).standard_normal((1, 64)).astype(np.float32)
    y = tm.compile()(xs)
    want = m(torch.from_numpy(xs)).detach().numpy()
    assert _rel(y, want) < 0.2
