"""Weights bound at load time (issue 21 item 1): Module.compile() /
TorchModel.compile() compile with quantc-cpu-pipeline{weights=load}, so the
weights never enter the code; __quantc_prepare packs them once into the
module's state right after compilation. Results are bit-identical to the
weights-compiled-in (embed) path for every kernel family, load_params
rebinds them from a dict, a .npz or a .safetensors file (written here by
hand), and bad parameters are refused with a ValueError naming them."""
import json
import os
import struct

import numpy as np
import pytest

import quantc
from quantc import frontend_torch

torch = pytest.importorskip("torch")  # python3-torch is in quantc.sh's package list
import torch.nn as nn  # noqa: E402

_LIBS = [frontend_torch._RUNTIME] if os.path.exists(frontend_torch._RUNTIME) else []


def _mlp(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 64)).eval()


def _embed(module, blobs=None):
    """The forward function of `module` (a quantc.Module) compiled with the
    weights as constants; with `blobs`, of its text rebound to them."""
    if blobs is not None:  # the small blobs (not parameters) stay in the text
        module = quantc.Module(module.mlir(elide_resources_over=1024), blobs)
    return module.compile("quantc-cpu-pipeline", shared_libs=_LIBS).forward


def _lowered(module):
    return quantc.run_pipeline(module.mlir(elide_resources_over=None),
                               "quantc-cpu-pipeline{weights=load}")


def _random_params(exe, rng):
    out = {}
    for name, dtype, shape in exe.params:
        if dtype.kind == "i":
            out[name] = rng.integers(-127, 128, shape).astype(dtype)
        else:
            out[name] = rng.standard_normal(shape).astype(dtype)
    return out


@pytest.mark.parametrize("scheme", ["w8a8", "w8a16", "w4a16", None])
def test_load_equals_embed(scheme):
    """Each kernel family (VNNI int8, weight-only int8 and int4, float FMA),
    with the traced [K, N] weights that the int8 GEMM reads transposed:
    load and embed give the same bits."""
    m = _mlp()
    x = torch.randn(9, 256)
    tm = quantc.from_torch(m, (x,))
    if scheme:
        tm.quantize(scheme, smoothquant=None)
    exe = tm.compile()
    y = exe(x.numpy())
    np.testing.assert_array_equal(y, _embed(tm._module)(x.numpy()))
    want = m(x).detach().numpy()
    assert np.linalg.norm(y - want) / np.linalg.norm(want) < (0.1 if scheme == "w4a16" else 0.02)
    # Every weight blob is a parameter (4-bit weights too: i4 blobs of one
    # byte per element, packed two per byte at load).
    weights = [n for n in tm._module.resources() if "weight" in n]
    assert len(weights) == 2
    assert set(weights) <= {p[0] for p in exe.params}
    if scheme == "w4a16":
        low = _lowered(tm._module)
        assert "__quantc_x86_w4a16_gemm" in low and "xi4>" not in low.split(
            "llvm.func @__quantc_prepare_body")[0].split("llvm.func @forward")[-1]
        assert {str(d) for _, d, _ in exe.params if _ in weights} <= {"int8"}


def test_w8a8_packs_once_at_load():
    """The int8 weights are packed by __quantc_prepare (the run-time packer,
    once) into state globals the constant-weight kernels read: no weight
    bytes in the code, no per-call packing, and the state is the packed
    weights (+ compensation and the raw biases), not a second copy."""
    m = _mlp()
    x = torch.randn(5, 256)
    tm = quantc.from_torch(m, (x,)).quantize("w8a8", smoothquant=None)
    low = _lowered(tm._module)
    assert "llvm.func @__quantc_prepare(%arg0: !llvm.ptr)" in low
    assert "__quantc_x86_pack_weights" in low
    assert "@__quantc_state_0" in low
    mod = tm._module.compile(shared_libs=_LIBS)
    names = [p[0] for p in mod.params]
    for n in names:  # small constants (the 64-float bias) may stay in the code
        assert f'dense_resource<"{n}">' not in low and f"dense_resource<{n}>" not in low
    big = {n for n, b in tm._module.resources().items() if b > 256}
    assert set(names) == big and len(names) >= 2
    weight_bytes = sum(int(np.prod(s)) * d.itemsize for _, d, s in mod.params)
    state = mod.state
    assert [s for s, _ in state] == [f"__quantc_state_{k}" for k in range(len(state))]
    # Packed int8 panels (N and K need no padding here), -128*colsum per
    # column, raw biases: about the weights' size, never twice it.
    assert sum(b for _, b in state) < 1.1 * weight_bytes


def test_transposed_weight_only_weight():
    """A W8A16 weight stored [n, k] (read through the transposed map):
    packed at load by the prepare function's transpose + panel layout, equal
    to the compile-time packing bit for bit, and to NumPy."""
    rng = np.random.default_rng(3)
    q = rng.integers(-127, 128, (96, 300)).astype(np.int8)  # [n, k]
    s = (rng.random((96, 1)) * 0.01 + 0.001).astype(np.float32)
    x = rng.standard_normal((7, 300)).astype(np.float32)
    ir = """
func.func @forward(%x: tensor<7x300xf32>) -> tensor<7x96xf32> {
  %q = arith.constant dense_resource<q> : tensor<96x300xi8>
  %s = arith.constant dense<SCALES> : tensor<96x1xf32>
  %w = quantc.dequantize %q, %s : tensor<96x300xi8>, tensor<96x1xf32> -> tensor<96x300xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<7x96xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<7x96xf32>) -> tensor<7x96xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<7x300xf32>, tensor<96x300xf32>) outs(%f : tensor<7x96xf32>) -> tensor<7x96xf32>
  return %r : tensor<7x96xf32>
}
""".replace("SCALES", "[" + ", ".join(f"[{v!r}]" for v in s[:, 0].tolist()) + "]")
    m = quantc.Module(ir, {"q": q})
    low = _lowered(m)
    assert "__quantc_x86_w8a16_gemm" in low and "@__quantc_prepare(" in low
    y = m.compile().forward(x)
    np.testing.assert_array_equal(y, _embed(m)(x))
    want = x.astype(np.float64) @ (q.astype(np.float64) * s).T
    np.testing.assert_allclose(y, want, rtol=0, atol=1e-4 * np.abs(want).max())


_W4_IR = """
func.func @forward(%x: tensor<MxKxf32>) -> tensor<MxNxf32> {
  %q = arith.constant dense_resource<q4> : tensor<WSHAPExi4>
  %s = arith.constant dense_resource<s4> : tensor<SSHAPExf32>
  %z = arith.constant dense_resource<z4> : tensor<SSHAPExi8>
  %w = quantc.dequantize %q, %s zero_point %z : tensor<WSHAPExi4>, tensor<SSHAPExf32>, tensor<SSHAPExi8> -> tensor<WSHAPExf32>
  %c = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<MxNxf32>
  %f = linalg.fill ins(%c : f32) outs(%e : tensor<MxNxf32>) -> tensor<MxNxf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, BMAP, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<MxKxf32>, tensor<WSHAPExf32>) outs(%f : tensor<MxNxf32>) -> tensor<MxNxf32>
  return %r : tensor<MxNxf32>
}
"""


def _w4_module(m, n, k, group, n_first, rng):
    """A W4A16 GEMM whose i4 weight (one int8 per element in [-8, 7]),
    group scales and i8 zero points are blobs, stored [n, k] or [k, n]."""
    groups = k // group if group else 1
    wshape, sshape = ((n, k), (n, groups)) if n_first else ((k, n), (groups, n))
    bmap = "affine_map<(m, n, k) -> (n, k)>" if n_first else "affine_map<(m, n, k) -> (k, n)>"
    ir = _W4_IR.replace("WSHAPE", "x".join(map(str, wshape))).replace(
        "SSHAPE", "x".join(map(str, sshape))).replace("BMAP", bmap).replace(
        "M", str(m)).replace("N", str(n)).replace("K", str(k))
    blobs = {"q4": rng.integers(-8, 8, wshape).astype(np.int8),
             "s4": (rng.random(sshape) * 0.02 + 0.001).astype(np.float32),
             "z4": rng.integers(-3, 4, sshape).astype(np.int8)}
    return ir, blobs


def _w4_reference(x, blobs, group, n_first):
    q, s, z = blobs["q4"], blobs["s4"], blobs["z4"]
    if n_first:
        q, s, z = q.T, s.T, z.T
    reps = group if group else q.shape[0]
    deq = (q.astype(np.float64) - np.repeat(z, reps, 0)) * np.repeat(s, reps, 0)
    return x.astype(np.float64) @ deq


@pytest.mark.parametrize("m,n,k,group,n_first", [
    (1, 100, 256, 64, True),     # decode, N not a multiple of the panel, all at load
    (4, 90, 384, 128, False),    # [k, n] storage, 3 groups, zero points at load
    (7, 50, 255, 0, True),       # odd K, per-channel scales
    (20, 40, 96, 32, True),      # the blocked kernel (M >= 16)
])
def test_w4a16_load_equals_embed(m, n, k, group, n_first):
    """An i4 weight bound at load time (an i4 blob: one byte per element,
    sign-extended) with group scales and zero points (blobs too): packed two
    per byte by __quantc_prepare with the same rule as the compile-time
    packer, so load and embed give the same bits, equal to NumPy within f32
    rounding; load_params rebinds it, and an i4 value out of [-8, 7] is
    refused."""
    rng = np.random.default_rng(m * 1000 + k)
    ir, blobs = _w4_module(m, n, k, group, n_first, rng)
    x = rng.standard_normal((m, k)).astype(np.float32)
    mod = quantc.Module(ir, blobs)
    low = _lowered(mod)
    assert "__quantc_x86_w4a16_gemm" in low and "@__quantc_prepare(" in low
    exe = mod.compile(shared_libs=_LIBS)
    params = {name: (str(d), shape) for name, d, shape in exe.params}
    assert params["q4"] == ("int8", blobs["q4"].shape)
    y = exe.forward(x)
    np.testing.assert_array_equal(y, _embed(mod)(x))
    want = _w4_reference(x, blobs, group, n_first)
    bound = np.abs(x).astype(np.float64) @ np.abs(_w4_reference(
        np.eye(k, dtype=np.float32), blobs, group, n_first))
    np.testing.assert_array_less(np.abs(y - want), 1e-5 * bound + 1e-30)
    # Rebinding new weights: the bits of compiling them in.
    new = dict(blobs)
    new["q4"] = rng.integers(-8, 8, blobs["q4"].shape).astype(np.int8)
    if "z4" in params:  # a blob of at most 256 bytes stays a constant
        new["z4"] = rng.integers(-3, 4, blobs["z4"].shape).astype(np.int8)
    exe.load_params({name: new[name] for name in params})
    np.testing.assert_array_equal(exe.forward(x), _embed(quantc.Module(ir, new))(x))
    bad = {name: new[name] for name in params}
    bad["q4"] = bad["q4"].copy()
    bad["q4"].flat[3] = 8
    with pytest.raises(ValueError, match=r"parameter 'q4' is i4 .* holds values in \[-8, 8\]"):
        exe.load_params(bad)


def _write_safetensors(path, arrays):
    names = {np.dtype("i1"): "I8", np.dtype("<f4"): "F32", np.dtype("<i4"): "I32"}
    header, offset, blobs = {"__metadata__": {"by": "test"}}, 0, []
    for name, a in arrays.items():
        raw = np.ascontiguousarray(a).tobytes()
        header[name] = {"dtype": names[a.dtype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


@pytest.mark.parametrize("scheme", ["w8a8", None])
def test_load_params_dict_npz_safetensors(tmp_path, scheme):
    """New weights bound three ways give the same bits as compiling them in."""
    m = _mlp(1)
    x = torch.randn(6, 256)
    tm = quantc.from_torch(m, (x,))
    if scheme:
        tm.quantize(scheme, smoothquant=None)
    exe = tm.compile()
    new = _random_params(exe, np.random.default_rng(11))
    want = _embed(tm._module, new)(x.numpy())
    exe.load_params(new)
    np.testing.assert_array_equal(exe(x.numpy()), want)
    exe.load_params({k: np.zeros_like(v) for k, v in new.items()})
    assert not np.array_equal(exe(x.numpy()), want)
    np.savez(tmp_path / "w.npz", **new)
    exe.load_params(str(tmp_path / "w.npz"))
    np.testing.assert_array_equal(exe(x.numpy()), want)
    exe.load_params({k: np.zeros_like(v) for k, v in new.items()})
    _write_safetensors(tmp_path / "w.safetensors", new)
    exe.load_params(tmp_path / "w.safetensors")
    np.testing.assert_array_equal(exe(x.numpy()), want)


def test_bad_params_rejected(tmp_path):
    tm = quantc.from_torch(_mlp(), (torch.randn(4, 256),)).quantize("w8a8", smoothquant=None)
    exe = tm.compile()
    good = _random_params(exe, np.random.default_rng(5))
    name = exe.params[0][0]
    with pytest.raises(ValueError, match=rf"missing parameter\(s\) \['{name}'\]"):
        exe.load_params({k: v for k, v in good.items() if k != name})
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['nope'\]"):
        exe.load_params({**good, "nope": np.zeros(3, np.int8)})
    bad = dict(good)
    bad[name] = good[name].astype(np.int32)
    with pytest.raises(ValueError, match=rf"parameter '{name}' is int32, the module takes"):
        exe.load_params(bad)
    bad[name] = good[name].reshape(-1)
    with pytest.raises(ValueError, match=rf"parameter '{name}' has shape"):
        exe.load_params(bad)
    with pytest.raises(ValueError, match="neither a .npz nor a .safetensors"):
        exe.load_params(str(tmp_path / "w.bin"))
    with pytest.raises(TypeError):
        exe.load_params([1, 2])
    (tmp_path / "short.safetensors").write_bytes(b"\x01")
    with pytest.raises(ValueError, match="shorter than 8 bytes"):
        exe.load_params(str(tmp_path / "short.safetensors"))
    (tmp_path / "long.safetensors").write_bytes(struct.pack("<Q", 1 << 40) + b"{}")
    with pytest.raises(ValueError, match="exceeds the file"):
        exe.load_params(str(tmp_path / "long.safetensors"))
    _write_safetensors(tmp_path / "w.safetensors", {name: good[name]})
    with pytest.raises(ValueError, match="missing parameter"):
        exe.load_params(str(tmp_path / "w.safetensors"))
    # A truncated data section.
    _write_safetensors(tmp_path / "t.safetensors", good)
    data = (tmp_path / "t.safetensors").read_bytes()
    (tmp_path / "t.safetensors").write_bytes(data[:-10])
    with pytest.raises(ValueError, match="do not hold"):
        exe.load_params(str(tmp_path / "t.safetensors"))



_CPUS = ["host", "vnni-emulated"] + (
    ["avx2"] if "avx2" in open("/proc/cpuinfo").read().split() else [])


@pytest.mark.parametrize("cpu", _CPUS)
@pytest.mark.parametrize("k,n", [(37, 50), (64, 16), (130, 77)])
def test_kn_packer_matches_numpy(cpu, k, n):
    """A load-time int8 weight stored [K, N] (a traced nn.Linear's, read
    transposed) is packed in place by the vectorized [K, N] packer
    (emitWeightPackerFromKN: 16 or 8 columns a vector, the K group's rows
    interleaved, the colsum compensation on the way) on every CPU path
    (vpdpbusd, emulated, vpmaddwd on i16), with K not a multiple of the K
    group and N not a multiple of the panel: the i32 GEMM is exact against
    NumPy, for the bound weight and after load_params of another."""
    ir = f"""
func.func @forward(%x: tensor<3x{k}xi8>) -> tensor<3x{n}xi32> {{
  %w = arith.constant dense_resource<wkn> : tensor<{k}x{n}xi8>
  %e = tensor.empty() : tensor<{n}x{k}xi8>
  %t = linalg.transpose ins(%w : tensor<{k}x{n}xi8>) outs(%e : tensor<{n}x{k}xi8>) permutation = [1, 0]
  %r = quantc.matmul %x, %t : tensor<3x{k}xi8>, tensor<{n}x{k}xi8> -> tensor<3x{n}xi32>
  return %r : tensor<3x{n}xi32>
}}"""
    rng = np.random.default_rng(k * n)
    w = rng.integers(-128, 128, (k, n)).astype(np.int8)
    w[:, 0], w[:, 1] = -128, 127  # compensation extremes
    x = rng.integers(-128, 128, (3, k)).astype(np.int8)
    mod = quantc.Module(ir, {"wkn": w}).compile(
        f"quantc-cpu-pipeline{{weights=load cpu={cpu}}}", shared_libs=_LIBS)
    assert [(name, shape) for name, _, shape in mod.params] == [("wkn", (k, n))]
    ref = lambda w: x.astype(np.int32) @ w.astype(np.int32)  # noqa: E731
    np.testing.assert_array_equal(mod.forward(x), ref(w))
    w2 = rng.integers(-128, 128, (k, n)).astype(np.int8)
    mod.load_params({"wkn": w2})
    np.testing.assert_array_equal(mod.forward(x), ref(w2))
