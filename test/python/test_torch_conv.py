"""Convolutions from PyTorch (aten.convolution: nn.Conv2d, depthwise): the
float translation against PyTorch, and W8A8 (activation per image at run
time, or per tensor from calibration; filter per output channel) bit-exact
against an independent NumPy model of the integer computation: a direct
convolution as a sum over the window of int64 products (no im2col), the
shared epilogue order of quantc.reference.rescale. Odd channel counts,
padding, stride, dilation, a depthwise layer, a dynamic batch."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")  # python3-torch is in quantc.sh's package list
import torch.nn as nn  # noqa: E402

import quantc  # noqa: E402
from quantc import reference as ref  # noqa: E402


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 16, 3, padding=1)
        self.c2 = nn.Conv2d(16, 16, 3, stride=2, padding=1, groups=16)  # depthwise
        self.c3 = nn.Conv2d(16, 24, 1)
        self.c4 = nn.Conv2d(24, 5, (3, 2), dilation=(1, 2), padding=(0, 1), bias=False)
        self.fc = nn.Linear(5 * 3 * 5, 10)

    def forward(self, x):
        x = torch.relu(self.c1(x))
        x = torch.relu(self.c2(x))
        x = self.c4(self.c3(x))
        return self.fc(x.flatten(1))


def _model():
    torch.manual_seed(0)
    m = CNN().eval()
    with torch.no_grad():  # a few large input channels, as in trained models
        m.c3.weight[:, 2] *= 8
    return m


def _np(t):
    return t.detach().numpy()


def _conv_int(xq, wq, stride, dilation, out):
    """Direct int64 convolution of xq [N, H, W, C] (padded) and wq [F, C,
    KH, KW] (depthwise: [C, 1, KH, KW], each channel its own filter)."""
    n, _, _, c = xq.shape
    f, cg, kh, kw = wq.shape
    acc = np.zeros((n, out[0], out[1], f), np.int64)
    for i in range(kh):
        for j in range(kw):
            sl = xq[:, i * dilation[0]:i * dilation[0] + stride[0] * (out[0] - 1) + 1:stride[0],
                    j * dilation[1]:j * dilation[1] + stride[1] * (out[1] - 1) + 1:stride[1], :]
            sl = sl.astype(np.int64)
            if cg == 1 and f == c and c > 1:  # depthwise
                acc += sl * wq[:, 0, i, j].astype(np.int64)
            else:
                acc += np.einsum("nhwc,fc->nhwf", sl, wq[:, :, i, j].astype(np.int64))
    return acc


def _conv_w8a8(x, conv, relu, xs=None):
    """The W8A8 convolution `conv` on x [N, C, H, W] as quantc runs it;
    `xs` a static per-tensor scale, else per image."""
    w = _np(conv.weight)
    ph, pw = conv.padding
    xh = np.pad(np.transpose(x, (0, 2, 3, 1)), ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    if xs is None:
        xs = ref.absmax_scale(xh, axis=(1, 2, 3))
    else:
        xs = np.full((1, 1, 1, 1), xs, np.float32)
    ws = ref.absmax_scale(w, axis=(1, 2, 3))  # per output channel
    kh, kw = w.shape[2:]
    out = [(xh.shape[1 + d] - conv.dilation[d] * (k - 1) - 1) // conv.stride[d] + 1
           for d, k in enumerate((kh, kw))]
    acc = _conv_int(ref.quantize(xh, xs), ref.quantize(w, ws), conv.stride, conv.dilation, out)
    y = ref.rescale(acc, xs, ws.reshape(1, 1, 1, -1),
                    bias=None if conv.bias is None else _np(conv.bias).reshape(1, 1, 1, -1),
                    activation="relu" if relu else "none")
    return np.transpose(y, (0, 3, 1, 2))


def _linear_w8a8(x, lin):
    w = _np(lin.weight)
    xs, ws = ref.absmax_scale(x, axis=(1,)), ref.absmax_scale(w, axis=(1,))
    acc = ref.int_matmul(ref.quantize(x, xs), ref.quantize(w, ws))
    return ref.rescale(acc, xs, ws.reshape(1, -1), bias=_np(lin.bias)[None, :])


def _want(m, x, static=None):
    s = static or {}
    h = _conv_w8a8(x, m.c1, True, s.get("c1"))
    h = _conv_w8a8(h, m.c2, True, s.get("c2"))
    h = _conv_w8a8(h, m.c3, False, s.get("c3"))
    h = _conv_w8a8(h, m.c4, False, s.get("c4"))
    return _linear_w8a8(h.reshape(h.shape[0], -1), m.fc)


def _x(n, seed=1):
    return np.random.default_rng(seed).standard_normal((n, 3, 9, 9)).astype(np.float32) * 2


def test_float_translation_matches_pytorch():
    m = _model()
    tm = quantc.from_torch(m, (torch.from_numpy(_x(2)),))
    assert [(layer.name, layer.kind) for layer in tm.layers] == [
        ("c1", "conv"), ("c2", "conv"), ("c3", "conv"), ("c4", "conv"), ("fc", "gemm")]
    ir = tm.mlir()
    assert ir.count("linalg.conv_2d_nhwc_fhwc") == 3
    assert ir.count("linalg.depthwise_conv_2d_nhwc_hwc") == 1
    x = _x(2, seed=2)
    np.testing.assert_allclose(tm.compile()(x), _np(m(torch.from_numpy(x))),
                               rtol=1e-4, atol=1e-5)


def test_w8a8_per_image_bit_exact_dynamic_batch():
    """Every convolution and the linear layer run as int8 (3 implicit GEMMs
    + 1 linear as quantc.matmul, the depthwise one on its direct kernel),
    with a dynamic batch, bit-exact."""
    m = _model()
    calib = [(torch.from_numpy(_x(2, seed=s)),) for s in (3, 4)]
    tm = quantc.from_torch(m, (torch.from_numpy(_x(4)),), dynamic_dims={0: 0})
    tm.calibrate(calib).quantize("w8a8")  # smoothquant 0.5: the linear layer only
    ir = tm.mlir()
    assert ir.count("quantc.matmul") == 4 and ir.count("quantc.depthwise_int8") == 1, ir
    assert "linalg.conv" not in ir and "linalg.depthwise" not in ir
    report = tm.report().splitlines()
    assert [r.split()[:4] for r in report[2:6]] == [
        ["c1", "16x27", "w8a8", "-"], ["c2", "16x9", "w8a8", "-"],
        ["c3", "24x16", "w8a8", "-"], ["c4", "5x144", "w8a8", "-"]]
    exe = quantc.from_torch(m, (torch.from_numpy(_x(4)),), dynamic_dims={0: 0}) \
        .quantize("w8a8", smoothquant=None).compile()
    for n in (1, 3):
        x = _x(n, seed=10 + n)
        np.testing.assert_array_equal(exe(x), _want(m, x))
        # and close to the float model
        f = _np(m(torch.from_numpy(x)))
        assert np.abs(exe(x) - f).max() < 0.05 * np.abs(f).max()


def test_w8a8_static_bit_exact():
    """w8a8-static: one scale per activation tensor, max of the calibrated
    per-channel absmax / 127."""
    m = _model()
    calib = [(torch.from_numpy(_x(2, seed=s)),) for s in (5, 6)]
    tm = quantc.from_torch(m, (torch.from_numpy(_x(2)),)).calibrate(calib)
    tm.quantize("w8a8", smoothquant=None, overrides={f"c{i}": {"scheme": "w8a8-static"}
                                                     for i in range(1, 5)})
    static = {f"c{i}": np.float32(tm.layer_statistics(f"c{i}").max()) / np.float32(127)
              for i in range(1, 5)}
    x = _x(2, seed=7)
    np.testing.assert_array_equal(tm.compile()(x), _want(m, x, static))


def test_float_override_and_errors():
    m = _model()
    x = torch.from_numpy(_x(2))
    tm = quantc.from_torch(m, (x,)).quantize("w8a8", smoothquant=None,
                                             overrides={"c3": None})
    ir = tm.mlir()
    # c3 stays float: a float GEMM on its f32 weight.
    assert ir.count("quantc.matmul") == 3 and ir.count("linalg.matmul") == 1
    assert "c3.weight.fhwc_t> : tensor<16x24xf32>" in ir
    with pytest.raises(ValueError, match=r"layer 'c1' is a convolution: its scheme must be "
                       r"'w8a8', 'w8a8-static' or None \(float\), got 'w8a16'"):
        quantc.from_torch(m, (x,)).quantize("w8a8", overrides={"c1": {"scheme": "w8a16"}})
    # A model-wide weight-only scheme leaves the convolutions float, saying so.
    with pytest.warns(UserWarning, match="convolution 'c1' stays float: scheme 'w8a16'"):
        tw = quantc.from_torch(m, (x,)).quantize("w8a16")
    assert [c[:2] for c in tw.choices] == [("c1", "float"), ("c2", "float"), ("c3", "float"),
                                           ("c4", "float"), ("fc", "w8a16")]
    assert "quantc.matmul" not in tw.mlir() and "quantc.depthwise_int8" not in tw.mlir()
    with pytest.raises(ValueError, match="layer 'c2' is a convolution: SmoothQuant does not "
                       "apply"):
        quantc.from_torch(m, (x,)).calibrate([(x,)]).quantize(
            "w8a8", overrides={"c2": {"smoothquant": 0.5}})


@pytest.mark.parametrize("conv, why", [
    (nn.ConvTranspose2d(3, 4, 3), "a transposed convolution"),
    (nn.Conv2d(4, 6, 3, groups=2), r"groups=2 \(only 1, or a depthwise convolution"),
    (nn.Conv3d(3, 4, 3), r"a 3-D convolution \(only 1-D and 2-D"),
])
def test_unsupported_convolutions(conv, why):
    shape = {nn.ConvTranspose2d: (1, 3, 6, 6),
             nn.Conv3d: (1, 3, 5, 5, 5)}.get(type(conv), (1, 4, 6, 6))
    with pytest.raises(quantc.UnsupportedOpError, match=r"aten.convolution.default \(node "
                       r"convolution\w*\) in module '<root>': " + why):
        quantc.from_torch(conv.eval(), (torch.randn(*shape),))


def _bn_cnn():
    torch.manual_seed(3)
    m = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                      nn.MaxPool2d(2), nn.Conv2d(8, 8, 3, padding=1, groups=8),
                      nn.BatchNorm2d(8), nn.ReLU6(), nn.AvgPool2d(3, stride=1, padding=1),
                      nn.MaxPool2d(3, stride=2, padding=1), nn.AdaptiveAvgPool2d(1),
                      nn.Flatten(), nn.Linear(8, 4)).eval()
    with torch.no_grad():  # statistics of a trained model, not the identity
        for bn in (m[1], m[5]):
            bn.running_mean.uniform_(-1, 1)
            bn.running_var.uniform_(0.5, 2)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.3, 0.3)
    return m


def test_batch_norm_and_pooling_match_pytorch():
    """Inference BatchNorm2d, max/avg pooling (padding, stride), adaptive
    average pooling, ReLU6: the float translation against PyTorch; W8A8 runs
    the convolutions and the linear layer as int8 and stays close, with no
    layout transposes between the convolutions."""
    m = _bn_cnn()
    x = torch.randn(2, 3, 12, 12)
    want = _np(m(x))
    tm = quantc.from_torch(m, (x,))
    np.testing.assert_allclose(tm.compile()(x.numpy()), want, rtol=1e-4, atol=1e-5)
    tq = quantc.from_torch(m, (x,)).quantize("w8a8", smoothquant=None)
    ir = tq.mlir()
    assert ir.count("quantc.matmul") == 2 and ir.count("quantc.depthwise_int8") == 1
    # The convolutions, batch norms, ReLUs and pools between them stay in
    # NHWC: the input's transpose and the pooled [N, 1, 1, C] one remain.
    assert ir.count("linalg.transpose") == 2 and ir.count("linalg.pooling_nhwc") == 3
    assert np.abs(tq.compile()(x.numpy()) - want).max() < 0.02 * np.abs(want).max()


def test_full_reductions():
    class Sums(nn.Module):
        def forward(self, x):
            return x * x.sum() - x.mean()
    x = torch.randn(3, 5)
    np.testing.assert_allclose(quantc.from_torch(Sums(), (x,)).compile()(x.numpy()),
                               _np(Sums()(x)), rtol=1e-5, atol=1e-5)


class _Indices(nn.Module):
    def forward(self, x):
        y, i = nn.functional.max_pool2d(x, 2, return_indices=True)
        return y + i.float()


@pytest.mark.parametrize("module, why", [
    (nn.MaxPool2d(2, ceil_mode=True), r"ceil_mode=True"),
    (nn.AdaptiveAvgPool2d(4), r"output size \[4, 4\] does not divide the input's \[6, 6\]"),
    (_Indices(), r"result 1 of aten.max_pool2d_with_indices.default is not translated"),
])
def test_unsupported_pooling(module, why):
    with pytest.raises(quantc.UnsupportedOpError, match=why):
        quantc.from_torch(module.eval(), (torch.randn(1, 2, 6, 6),))


class _As2d:
    """A Conv1d seen as a 2-D convolution over an image of height 1 (for
    the NumPy reference)."""

    def __init__(self, conv):
        self.weight = conv.weight.detach().unsqueeze(2)
        self.bias = conv.bias
        self.padding, self.stride = (0, conv.padding[0]), (1, conv.stride[0])
        self.dilation = (1, conv.dilation[0])


def test_conv1d_w8a8_bit_exact():
    """Conv1d (padding, stride, depthwise, dilation) runs as int8, bit-exact
    against the NumPy reference of the same layers as 2-D convolutions of
    height 1; the float translation matches PyTorch."""
    torch.manual_seed(4)
    m = nn.Sequential(nn.Conv1d(4, 8, 3, padding=1), nn.ReLU(),
                      nn.Conv1d(8, 8, 5, stride=2, padding=2, groups=8),
                      nn.Conv1d(8, 6, 3, dilation=2)).eval()
    x = torch.randn(3, 4, 16)
    np.testing.assert_allclose(quantc.from_torch(m, (x,)).compile()(x.numpy()), _np(m(x)),
                               rtol=1e-4, atol=1e-5)
    tq = quantc.from_torch(m, (x,)).quantize("w8a8", smoothquant=None)
    ir = tq.mlir()
    assert ir.count("quantc.matmul") == 2 and ir.count("quantc.depthwise_int8") == 1
    assert "linalg.conv" not in ir and "linalg.depthwise" not in ir
    xn = np.random.default_rng(5).standard_normal((3, 4, 16)).astype(np.float32)
    h = _conv_w8a8(xn[:, :, None, :], _As2d(m[0]), True)
    h = _conv_w8a8(h, _As2d(m[2]), False)
    h = _conv_w8a8(h, _As2d(m[3]), False)
    np.testing.assert_array_equal(tq.compile()(xn), h[:, :, 0, :])
