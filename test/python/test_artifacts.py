"""Saved artifacts (CompiledModule.save, quantc.load, libquantc_runtime):
results bit-identical to the JIT in a fresh process that loads neither LLVM
nor MLIR (a W8A8 model from the PyTorch frontend, a float model, dynamic
token counts, OpenMP-parallel GEMMs), the state globals' bytes saved after
prepare and restored without it, the same argument checking as the JIT,
and the refusals (CPU features, format version, missing files)."""
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import quantc

torch = pytest.importorskip("torch")  # python3-torch is in quantc.sh's package list
import torch.nn as nn  # noqa: E402

from torch_models import Llama, OPTBlock  # noqa: E402

# Runs in a fresh interpreter: loads the artifact argv[1], calls `forward`
# on each input of argv[2] (an .npz of x0, x1, ...), saves the results as
# argv[3] and the LLVM/MLIR libraries mapped before and after as argv[4].
_CHILD = textwrap.dedent("""
    import json, sys
    import numpy as np
    def mapped():
        return sorted({l.split()[-1] for l in open("/proc/self/maps")
                       if "libMLIR" in l or "libLLVM" in l})
    import quantc
    after_import = mapped()
    m = quantc.load(sys.argv[1])
    xs = np.load(sys.argv[2])
    out = {k: m.forward(xs[k]) for k in xs.files}
    np.savez(sys.argv[3], **out)
    json.dump({"import": after_import, "call": mapped()}, open(sys.argv[4], "w"))
""")


def _run_fresh(path, inputs, tmp_path):
    """`forward` of the artifact at `path` on each of `inputs`, run in a
    fresh process; asserts that it mapped no LLVM or MLIR library."""
    np.savez(tmp_path / "in.npz", **{f"x{i}": x for i, x in enumerate(inputs)})
    subprocess.run([sys.executable, "-c", _CHILD, str(path), str(tmp_path / "in.npz"),
                    str(tmp_path / "out.npz"), str(tmp_path / "maps.json")],
                   check=True, env=os.environ.copy())
    maps = json.load(open(tmp_path / "maps.json"))
    assert maps == {"import": [], "call": []}, maps
    out = np.load(tmp_path / "out.npz")
    return [out[f"x{i}"] for i in range(len(inputs))]


def _bits_equal(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got.view(np.uint8), want.view(np.uint8)), \
        f"max difference {np.abs(got.astype(np.float64) - want).max()}"


def _mlp(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8)).eval()


def test_w8a8_torch_model_bit_identical(tmp_path):
    torch.manual_seed(4)
    batches = [(torch.randn(10, 16) * 2,) for _ in range(3)]
    tm = quantc.from_torch(_mlp(), batches[0]).calibrate(batches)
    tm.quantize("w8a8", smoothquant=0.5)
    exe = tm.compile()
    exe.save(tmp_path / "w8a8")
    xs = [np.random.default_rng(i).standard_normal((10, 16)).astype(np.float32)
          for i in range(2)]
    for x, got in zip(xs, _run_fresh(tmp_path / "w8a8", xs, tmp_path)):
        _bits_equal(got, exe(x))
    manifest = json.load(open(tmp_path / "w8a8" / "manifest.json"))
    assert manifest["format"] == 1 and manifest["triple"].startswith("x86_64")
    assert [f["name"] for f in manifest["functions"]] == ["forward"]


def test_float_llama_bit_identical(tmp_path):
    torch.manual_seed(1)
    m = Llama(d=32, heads=4, f=64, n=1, vocab=40).eval()
    x = torch.randn(2, 8, 32)
    exe = quantc.from_torch(m, (x,)).compile()
    exe.save(tmp_path / "llama")
    xs = [torch.randn(2, 8, 32).numpy() for _ in range(2)]
    for x, got in zip(xs, _run_fresh(tmp_path / "llama", xs, tmp_path)):
        _bits_equal(got, exe(x))
        np.testing.assert_allclose(got, m(torch.from_numpy(x)).detach().numpy(),
                                   rtol=1e-4, atol=1e-5)


def test_dynamic_tokens_w8a8_bit_identical(tmp_path):
    torch.manual_seed(3)
    m = OPTBlock().eval()
    x = torch.randn(16, 64)
    calib = [(torch.randn(n, 64),) for n in (5, 16, 24)]
    tq = quantc.from_torch(m, (x,), dynamic_dims={0: 0}).calibrate(calib)
    tq.quantize("w8a8", smoothquant=0.5)
    exe = tq.compile()
    exe.save(tmp_path / "opt")
    xs = [torch.randn(n, 64).numpy() for n in (1, 3, 16, 29)]
    for x, got in zip(xs, _run_fresh(tmp_path / "opt", xs, tmp_path)):
        _bits_equal(got, exe(x))
    # Strided copies of the dynamic activations call memrefCopy, which the
    # artifact takes from libquantc_runtime, not from MLIR's runner utils.
    manifest = json.load(open(tmp_path / "opt" / "manifest.json"))
    assert not any("mlir" in n.lower() for n in manifest["needed"]), manifest["needed"]


def test_parallel_gemm_needs_libgomp(tmp_path):
    """GEMMs on an OpenMP team: code.so has DT_NEEDED libgomp, and the
    results are bit-identical."""
    torch.manual_seed(4)
    batches = [(torch.randn(64, 16) * 2,) for _ in range(2)]
    tm = quantc.from_torch(_mlp(), batches[0]).calibrate(batches)
    tm.quantize("w8a8", smoothquant=None)
    mod = tm._module.compile("quantc-cpu-pipeline{vnni-parallel-min-macs=0}")
    mod.save(tmp_path / "par")
    manifest = json.load(open(tmp_path / "par" / "manifest.json"))
    assert "libgomp.so.1" in manifest["needed"]
    xs = [np.random.default_rng(7).standard_normal((64, 16)).astype(np.float32)]
    _bits_equal(_run_fresh(tmp_path / "par", xs, tmp_path)[0], mod.forward(xs[0]))
    # Freeing the artifact right after a parallel call leaves libgomp loaded:
    # its workers are still spinning in its code. Unloading it with code.so
    # crashed them (SIGSEGV on the worker thread, the intermittent failure of
    # test_dynamic_tokens_w8a8_bit_identical at interpreter exit).
    unload = textwrap.dedent("""
        import gc, sys
        import numpy as np
        import quantc
        x = np.load(sys.argv[2])["x0"]
        if any("libgomp" in l for l in open("/proc/self/maps")):
            sys.exit("libgomp is loaded before the artifact: the check would not test the pinning")
        for _ in range(5):
            m = quantc.load(sys.argv[1])
            m.forward(x)
            del m
            gc.collect()
        print(sorted({l.split()[-1].split("/")[-1] for l in open("/proc/self/maps")
                      if "code.so" in l or "libgomp" in l}))
    """)
    np.savez(tmp_path / "in.npz", x0=xs[0])
    child = subprocess.run([sys.executable, "-c", unload, str(tmp_path / "par"),
                            str(tmp_path / "in.npz")], capture_output=True, text=True,
                           env=os.environ.copy())
    assert child.returncode == 0, (child.returncode, child.stderr[-2000:])
    mapped = ast.literal_eval(child.stdout)  # a list of file names
    assert len(mapped) == 1 and mapped[0].startswith("libgomp.so"), mapped


# Load-time state per the contract (docs/EMBEDDING.md): `__quantc_state_<k>`
# globals filled by `__quantc_prepare`, written by hand here.
_STATE_IR = """
memref.global @__quantc_state_0 : memref<16xf32> = dense<0.0> {alignment = 64}
memref.global @__quantc_state_1 : memref<5xi8> = dense<0> {alignment = 64}
func.func @__quantc_prepare(%w: memref<16xf32>, %v: memref<5xi8>) {
  %g = memref.get_global @__quantc_state_0 : memref<16xf32>
  memref.copy %w, %g : memref<16xf32> to memref<16xf32>
  %h = memref.get_global @__quantc_state_1 : memref<5xi8>
  memref.copy %v, %h : memref<5xi8> to memref<5xi8>
  return
}
func.func @forward(%x: tensor<16xf32>) -> tensor<16xf32> {
  %g = memref.get_global @__quantc_state_0 : memref<16xf32>
  %t = bufferization.to_tensor %g restrict : memref<16xf32> to tensor<16xf32>
  %e = tensor.empty() : tensor<16xf32>
  %y = linalg.add ins(%x, %t : tensor<16xf32>, tensor<16xf32>)
                  outs(%e : tensor<16xf32>) -> tensor<16xf32>
  return %y : tensor<16xf32>
}
func.func @small() -> tensor<5xi8> {
  %h = memref.get_global @__quantc_state_1 : memref<5xi8>
  %t = bufferization.to_tensor %h restrict : memref<5xi8> to tensor<5xi8>
  %e = tensor.empty() : tensor<5xi8>
  %c = linalg.copy ins(%t : tensor<5xi8>) outs(%e : tensor<5xi8>) -> tensor<5xi8>
  return %c : tensor<5xi8>
}
"""


def test_state_saved_after_prepare(tmp_path):
    mod = quantc.compile_cpu(_STATE_IR)
    w = np.arange(16, dtype=np.float32) * 0.5
    v = np.array([-3, 1, 4, -1, 5], np.int8)
    x = np.ones(16, np.float32)
    mod["__quantc_prepare"](w, v)
    mod.save(tmp_path / "s")
    manifest = json.load(open(tmp_path / "s" / "manifest.json"))
    assert manifest["state"] == [
        {"symbol": "__quantc_state_0", "bytes": 64, "offset": 0},
        {"symbol": "__quantc_state_1", "bytes": 5, "offset": 64}]
    assert manifest["state_bytes"] == 69
    raw = open(tmp_path / "s" / "state.bin", "rb").read()
    assert raw[:64] == w.tobytes() and raw[64:] == v.tobytes()
    # Loading restores the bytes and never runs __quantc_prepare, which the
    # artifact does not expose.
    loaded = quantc.load(tmp_path / "s")
    assert sorted(loaded.functions) == ["forward", "small"]
    _bits_equal(loaded.forward(x), x + w)
    _bits_equal(loaded.small(), v)
    # A state file that does not match the manifest is refused.
    with open(tmp_path / "s" / "state.bin", "ab") as f:
        f.write(b"\0")
    with pytest.raises(quantc.LoadError, match=r"state.bin has 70 bytes; the manifest says 69"):
        quantc.load(tmp_path / "s")
    # So is a manifest whose state size is not the global's: the read would
    # write past it.
    manifest["state"][1]["bytes"], manifest["state_bytes"] = 6, 70
    json.dump(manifest, open(tmp_path / "s" / "manifest.json", "w"))
    with pytest.raises(quantc.LoadError, match=r"the state global __quantc_state_1 has 5 "
                                               r"bytes in the code; the manifest says 6"):
        quantc.load(tmp_path / "s")


_MATMUL_IR = """
func.func @mm(%a: tensor<?x?xf32>, %b: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : f32
  %m = tensor.dim %a, %c0 : tensor<?x?xf32>
  %e = tensor.empty(%m) : tensor<?x8xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %r = linalg.matmul ins(%a, %b : tensor<?x?xf32>, tensor<?x8xf32>)
                     outs(%f : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}
"""


def _error(fn, *args):
    try:
        fn(*args)
    except (TypeError, ValueError) as e:
        return type(e), str(e)
    raise AssertionError("no error")


def test_loaded_functions_check_arguments_as_the_jit(tmp_path):
    jit = quantc.compile_cpu(_MATMUL_IR)
    jit.save(tmp_path / "mm")
    loaded = quantc.load(tmp_path / "mm")
    assert loaded.mm.signature == jit.mm.signature
    assert loaded.mm.dim_groups == jit.mm.dim_groups != []
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 5)), rng.standard_normal((5, 8))
    # float64 arrays of exactly representable values convert; results equal.
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    _bits_equal(loaded.mm(a32.astype(np.float64), b32), jit.mm(a32, b32))
    for bad in [(a32, b32[:4]), (a32, np.zeros((5, 7), np.float32)), (a, b32), (a32,)]:
        want = _error(jit.mm, *bad)
        assert _error(loaded.mm, *bad) == want
    assert "tie these sizes together" in _error(loaded.mm, a32, b32[:4])[1]


_EMBED_IR = """
func.func @lookup(%i: tensor<?xi64>, %t: tensor<10x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %i, %c0 : tensor<?xi64>
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>,
                                        affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%i : tensor<?xi64>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%x: i64, %o: f32):
    %row = arith.index_cast %x : i64 to index
    %col = linalg.index 1 : index
    %v = tensor.extract %t[%row, %col] : tensor<10x4xf32>
    linalg.yield %v : f32
  } -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}"""


def test_index_arguments_are_range_checked(tmp_path):
    """An argument whose elements index a table (tensor.extract in a
    linalg.generic: an embedding) is checked before the code runs, which
    does not bound it (id 10 of a 10-row table read past it; a loaded
    artifact segfaulted): IndexError from the JIT and from the loaded
    artifact; the manifest records the bound, and one edited out is
    refused at load."""
    jit = quantc.compile_cpu(_EMBED_IR)
    jit.save(tmp_path / "emb")
    loaded = quantc.load(tmp_path / "emb")
    table = np.arange(40, dtype=np.float32).reshape(10, 4)
    for fn in (jit.lookup, loaded.lookup):
        assert fn.index_bounds == [(0, 10)]
        np.testing.assert_array_equal(fn(np.array([9, 0, 3]), table), table[[9, 0, 3]])
        for bad in ([0, 10], [-1], np.array([3, 2**40]), np.array([7, 12], np.int32)):
            with pytest.raises(IndexError, match=r"@lookup argument 0: index -?\d+ out of "
                               r"range \[0, 10\) of the table it indexes"):
                fn(np.asarray(bad), table)
    shutil.copytree(tmp_path / "emb", tmp_path / "unbounded")
    _edit_function(tmp_path / "unbounded", lambda f: f.pop("index_bounds"))
    with pytest.raises(quantc.LoadError, match=r"the 'index_bounds' of @lookup in "
                       "manifest.json differ"):
        quantc.load(tmp_path / "unbounded")



_SLICE_IR = """
func.func @masked(%x: tensor<?x8xf32>, %m: tensor<32x32xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %s = tensor.extract_slice %m[0, 0] [%n, %n] [1, 1] : tensor<32x32xf32> to tensor<?x?xf32>
  return %s : tensor<?x?xf32>
}
func.func @strided(%x: tensor<?x8xf32>) -> tensor<3x8xf32> {
  %s = tensor.extract_slice %x[2, 0] [3, 8] [2, 1] : tensor<?x8xf32> to tensor<3x8xf32>
  return %s : tensor<3x8xf32>
}
func.func @append(%cache: tensor<16x8xf32>, %new: tensor<?x8xf32>) -> tensor<16x8xf32> {
  %c0 = arith.constant 0 : index
  %k = tensor.dim %new, %c0 : tensor<?x8xf32>
  %r = tensor.insert_slice %new into %cache[4, 0] [%k, 8] [1, 1] : tensor<?x8xf32> into tensor<16x8xf32>
  return %r : tensor<16x8xf32>
}
"""


def test_sizes_sliced_from_fixed_buffers_are_range_checked(tmp_path):
    """A dynamic size that the code slices a fixed-size buffer to (a causal
    mask, position tables), or that a fixed-size slice must fit in, is not
    bounded by the code (33 rows of a 32-row mask read past it): the JIT
    and the loaded artifact raise ValueError; the manifest records the
    range, and one edited out is refused at load."""
    jit = quantc.compile_cpu(_SLICE_IR)
    jit.save(tmp_path / "s")
    loaded = quantc.load(tmp_path / "s")
    mask = np.arange(1024, dtype=np.float32).reshape(32, 32)
    cache = np.zeros((16, 8), np.float32)
    x = lambda n: np.arange(n * 8, dtype=np.float32).reshape(n, 8)  # noqa: E731
    for mod in (jit, loaded):
        assert mod.masked.dim_groups == [([(0, 0)], -1, 0, 32)]
        assert mod.strided.dim_groups == [([(0, 0)], -1, 7, -1)]
        assert mod.append.dim_groups == [([(1, 0)], -1, 0, 12)]
        np.testing.assert_array_equal(mod.masked(x(32), mask), mask)
        np.testing.assert_array_equal(mod.masked(x(5), mask), mask[:5, :5])
        np.testing.assert_array_equal(mod.strided(x(7)), x(7)[2::2])
        np.testing.assert_array_equal(mod.append(cache, x(12))[4:], x(12))
        for n in (33, 1000):
            with pytest.raises(ValueError, match=re.escape(
                    f"@masked argument 0: dimension 0 is {n}, more than the 32 that "
                    "the function's slices of fixed-size buffers allow")):
                mod.masked(x(n), mask)
        for arr in (x(6), x(6).astype(np.float64)):  # the fast and converted paths
            with pytest.raises(ValueError, match=re.escape(
                    "@strided argument 0: dimension 0 is 6, less than the 7 that "
                    "the function's fixed-size slices of it need")):
                mod.strided(arr)
        with pytest.raises(ValueError, match="@append argument 1: dimension 0 is 13, more "
                           "than the 12"):
            mod.append(cache, x(13))
    shutil.copytree(tmp_path / "s", tmp_path / "unbounded")
    _edit_function(tmp_path / "unbounded", lambda f: f["dim_groups"][0].pop("max"))
    with pytest.raises(quantc.LoadError, match=r"the 'dim_groups' of @masked in "
                       "manifest.json differ"):
        quantc.load(tmp_path / "unbounded")
    shutil.copytree(tmp_path / "s", tmp_path / "invalid")
    _edit_function(tmp_path / "invalid", lambda f: f["dim_groups"][0].update(max=-7))
    with pytest.raises(quantc.LoadError, match="invalid dim group range"):
        quantc.load(tmp_path / "invalid")
    shutil.copytree(tmp_path / "s", tmp_path / "empty_range")
    _edit_function(tmp_path / "empty_range", lambda f: f["dim_groups"][0].update(min=40))
    with pytest.raises(quantc.LoadError, match="invalid dim group range"):
        quantc.load(tmp_path / "empty_range")


def test_size_ranges_only_from_slices_every_call_runs():
    """A slice under an scf.if (guarded by the very size it would bound)
    puts no range on the size; a dynamic offset (a run-time position) still
    bounds the size of what is inserted (at offset 0 at best)."""
    jit = quantc.compile_cpu("""
func.func @guarded(%x: tensor<?x8xf32>) -> tensor<1x8xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %p = arith.cmpi sgt, %n, %c0 : index
  %r = scf.if %p -> tensor<1x8xf32> {
    %s = tensor.extract_slice %x[0, 0] [1, 8] [1, 1] : tensor<?x8xf32> to tensor<1x8xf32>
    scf.yield %s : tensor<1x8xf32>
  } else {
    %z = arith.constant dense<0.0> : tensor<1x8xf32>
    scf.yield %z : tensor<1x8xf32>
  }
  return %r : tensor<1x8xf32>
}
func.func @at(%cache: tensor<16x8xf32>, %new: tensor<?x8xf32>, %pos: index) -> tensor<16x8xf32> {
  %c0 = arith.constant 0 : index
  %k = tensor.dim %new, %c0 : tensor<?x8xf32>
  %r = tensor.insert_slice %new into %cache[%pos, 0] [%k, 8] [1, 1] : tensor<?x8xf32> into tensor<16x8xf32>
  return %r : tensor<16x8xf32>
}""")
    assert jit.guarded.dim_groups == []
    np.testing.assert_array_equal(jit.guarded(np.zeros((0, 8), np.float32)),
                                  np.zeros((1, 8), np.float32))
    assert jit.at.dim_groups == [([(1, 0)], -1, 0, 16)]
    with pytest.raises(ValueError, match="@at argument 1: dimension 0 is 17, more than the 16"):
        jit.at(np.zeros((16, 8), np.float32), np.zeros((17, 8), np.float32), 0)

def _missing_feature():
    """A feature of the runtime's table that this CPU lacks, by
    /proc/cpuinfo's name for it."""
    flags = set(open("/proc/cpuinfo").read().split("flags")[1].split("\n")[0].split())
    for llvm_name, linux_name in [("avxvnniint16", "avx_vnni_int16"),
                                  ("amx-complex", "amx_complex"),
                                  ("avxvnniint8", "avx_vnni_int8"),
                                  ("avxneconvert", "avx_ne_convert"),
                                  ("avxifma", "avx_ifma"), ("amx-fp16", "amx_fp16"),
                                  ("avx512vp2intersect", "avx512_vp2intersect")]:
        if linux_name not in flags:
            return llvm_name
    pytest.fail("this CPU has every feature the refusal test could ask for")


def _edit_manifest(path, **changes):
    m = json.load(open(path / "manifest.json"))
    m.update(changes)
    json.dump(m, open(path / "manifest.json", "w"))
    return m


def test_refusals(tmp_path):
    quantc.compile_cpu(_MATMUL_IR).save(tmp_path / "ok")
    manifest = json.load(open(tmp_path / "ok" / "manifest.json"))
    missing = _missing_feature()
    shutil.copytree(tmp_path / "ok", tmp_path / "cpu")
    _edit_manifest(tmp_path / "cpu", cpu_features=manifest["cpu_features"] + [missing])
    with pytest.raises(quantc.LoadError,
                       match=rf"this CPU lacks features the code was compiled for: {missing}$"):
        quantc.load(tmp_path / "cpu")
    _edit_manifest(tmp_path / "cpu", cpu_features=["avx2", "neural-magic"])
    with pytest.raises(quantc.LoadError, match=r"neural-magic \(unknown to this runtime\)"):
        quantc.load(tmp_path / "cpu")
    shutil.copytree(tmp_path / "ok", tmp_path / "v2")
    _edit_manifest(tmp_path / "v2", format=2)
    with pytest.raises(quantc.LoadError,
                       match=r"format version 2, this runtime reads version 1"):
        quantc.load(tmp_path / "v2")
    with pytest.raises(quantc.LoadError, match=r"cannot read manifest.json"):
        quantc.load(tmp_path / "nowhere")
    shutil.copytree(tmp_path / "ok", tmp_path / "nocode")
    os.remove(tmp_path / "nocode" / "code.so")
    with pytest.raises(quantc.LoadError, match=r"cannot load the code: .*code.so"):
        quantc.load(tmp_path / "nocode")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text('{"format": 1, "triple": ')
    with pytest.raises(quantc.LoadError, match=r"manifest.json: unexpected end of input"):
        quantc.load(tmp_path / "bad")
    # The intact artifact still loads.
    assert quantc.load(tmp_path / "ok").mm.signature == \
        "(tensor<?x?xf32>, tensor<?x8xf32>) -> (tensor<?x8xf32>)"


def test_truncated_code_is_refused(tmp_path):
    """A code.so cut short (an interrupted copy) is refused before dlopen
    maps it: its segments used to end past the file, and the first read of
    their missing pages killed the process with SIGBUS. Loaded in a child,
    so that a crash fails the test instead of ending it."""
    quantc.compile_cpu(_MATMUL_IR).save(tmp_path / "ok")
    size = os.path.getsize(tmp_path / "ok" / "code.so")
    child = "import sys, quantc\ntry:\n    quantc.load(sys.argv[1])\n" \
            "except quantc.LoadError as e:\n    print(e)\n"
    for keep, what in [(2000, r"segment \d+"), (size // 2, r"segment \d+"),
                       (size - 1, r"the section header table")]:
        d = tmp_path / f"cut{keep}"
        shutil.copytree(tmp_path / "ok", d)
        os.truncate(d / "code.so", keep)
        out = subprocess.run([sys.executable, "-c", child, str(d)], capture_output=True,
                             text=True, env=os.environ.copy())
        assert out.returncode == 0, (keep, out.returncode, out.stderr[-2000:])
        assert re.search(rf"code.so is truncated or corrupt: {what} \(bytes \d+ to \d+\) "
                         rf"ends past its {keep} bytes; save the artifact again", out.stdout), \
            (keep, out.stdout)


def _edit_function(path, edit):
    m = json.load(open(path / "manifest.json"))
    edit(m["functions"][0])
    json.dump(m, open(path / "manifest.json", "w"))


def test_manifest_signature_must_match_the_code(tmp_path):
    """The calls trust the manifest's signatures: a result count or element
    type other than the code's corrupted memory or reinterpreted bytes. The
    code carries the signatures it was saved with, and loading refuses a
    manifest that differs."""
    quantc.compile_cpu(_MATMUL_IR).save(tmp_path / "ok")
    edits = {
        "two_results": ("results", lambda f: f.__setitem__("results", f["results"] * 2)),
        "no_results": ("results", lambda f: f.__setitem__("results", [])),
        "result_f64": ("results", lambda f: f["results"][0].__setitem__("element", "f64")),
        "arg_f64": ("args", lambda f: f["args"][0].__setitem__("element", "f64")),
        "arg_shape": ("args", lambda f: f["args"][1].__setitem__("shape", [-1, 9])),
        "no_groups": ("dim_groups", lambda f: f.__setitem__("dim_groups", [])),
    }
    for name, (key, edit) in edits.items():
        shutil.copytree(tmp_path / "ok", tmp_path / name)
        _edit_function(tmp_path / name, edit)
        with pytest.raises(quantc.LoadError,
                           match=rf"the '{key}' of @mm in manifest.json differ from those the "
                                 r"code was compiled with \(manifest.json was edited, or "
                                 r"belongs to another code.so: save the artifact again\)"):
            quantc.load(tmp_path / name)
    # A name with a NUL: the message named "@mm" only.
    shutil.copytree(tmp_path / "ok", tmp_path / "nul")
    _edit_function(tmp_path / "nul", lambda f: f.__setitem__("name", "mm\0x"))
    with pytest.raises(quantc.LoadError, match=r"a function name contains a NUL character"):
        quantc.load(tmp_path / "nul")
    # Reordered keys and whitespace are the same signature.
    shutil.copytree(tmp_path / "ok", tmp_path / "same")
    m = json.load(open(tmp_path / "same" / "manifest.json"))
    m["functions"] = [dict(reversed(list(f.items()))) for f in m["functions"]]
    json.dump(m, open(tmp_path / "same" / "manifest.json", "w"), indent=7)
    assert quantc.load(tmp_path / "same").mm.signature == \
        "(tensor<?x?xf32>, tensor<?x8xf32>) -> (tensor<?x8xf32>)"


def test_save_errors(tmp_path):
    jit = quantc.compile_cpu(_MATMUL_IR)
    (tmp_path / "file").write_text("")
    with pytest.raises(quantc.CompileError, match=r"cannot create the directory"):
        jit.save(tmp_path / "file")
    # An artifact saved again over one still loaded: the loader would hand
    # out the old code, so the new load is refused.
    jit.save(tmp_path / "over")
    first = quantc.load(tmp_path / "over")
    quantc.compile_cpu(_STATE_IR).save(tmp_path / "over")
    with pytest.raises(quantc.LoadError, match=r"code.so was replaced since this process "
                                               r"loaded it.*unload it first"):
        quantc.load(tmp_path / "over")
    del first
    # Saving a loaded artifact copies it.
    jit.save(tmp_path / "a")
    quantc.load(tmp_path / "a").save(tmp_path / "b")
    assert sorted(os.listdir(tmp_path / "b")) == ["code.so", "manifest.json", "state.bin"]


def test_import_loads_no_mlir():
    """`import quantc` maps neither libMLIR nor libLLVM; compiling does."""
    code = textwrap.dedent("""
        def mapped():
            return any("libMLIR" in l or "libLLVM" in l for l in open("/proc/self/maps"))
        import quantc
        assert not mapped(), "import quantc loaded MLIR"
        quantc.compile_cpu("func.func @f() { return }")
        assert mapped(), "compiling did not load MLIR"
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=os.environ.copy())
    assert out.stdout == "ok\n"


def test_loaded_artifact_rebinds_params(tmp_path):
    """A loaded artifact takes new weights as the JIT does: the same
    parameters, and load_params (the artifact's own __quantc_prepare, run by
    libquantc_runtime) gives results bit-identical to the JIT's load_params
    of the same weights, different from the saved ones."""
    torch.manual_seed(6)
    batches = [(torch.randn(10, 16) * 2,) for _ in range(3)]
    tm = quantc.from_torch(_mlp(), batches[0]).calibrate(batches)
    tm.quantize("w8a8", smoothquant=0.5)
    exe = tm.compile()
    assert exe.params, "the weights are bound at load time"
    exe.save(tmp_path / "w8a8")
    loaded = quantc.load(tmp_path / "w8a8")
    assert loaded.params == exe.params
    assert [s[1] for s in loaded.state] == [s[1] for s in exe.state]
    x = np.random.default_rng(0).standard_normal((10, 16)).astype(np.float32)
    before = loaded.forward(x)
    _bits_equal(before, exe(x))
    rng = np.random.default_rng(1)
    new = {}
    for name, dtype, shape in exe.params:
        if dtype == np.int8:
            new[name] = rng.integers(-127, 128, shape).astype(np.int8)
        else:
            new[name] = rng.uniform(0.01, 0.1, shape).astype(dtype)
    exe.load_params(new)
    loaded.load_params(new)
    after = loaded.forward(x)
    _bits_equal(after, exe(x))
    assert not np.array_equal(after, before)
    with pytest.raises(ValueError, match="missing parameter"):
        loaded.load_params({})
    # Parameters other than the code's (bind_params would read past the
    # caller's buffers) are refused like a function's signature.
    shutil.copytree(tmp_path / "w8a8", tmp_path / "params")
    manifest = json.load(open(tmp_path / "params" / "manifest.json"))
    manifest["params"][0]["shape"][0] += 1
    json.dump(manifest, open(tmp_path / "params" / "manifest.json", "w"))
    with pytest.raises(quantc.LoadError, match=r"the 'params' in manifest.json differ from "
                                               r"those the code was compiled with"):
        quantc.load(tmp_path / "params")


def test_w4a16_artifact_bit_identical(tmp_path):
    """A W4A16 model (i4 weights bound at load time as int8 bytes in
    [-8, 7], packed two per byte by __quantc_prepare): the saved artifact
    gives the JIT's bits in a fresh process, and its load_params of new i4
    weights gives the JIT's load_params bits."""
    torch.manual_seed(8)
    m = nn.Sequential(nn.Linear(256, 48), nn.ReLU(), nn.Linear(48, 8)).eval()
    x = torch.randn(3, 256)
    tm = quantc.from_torch(m, (x,)).quantize("w4a16")
    exe = tm.compile()
    q4 = [p for p in exe.params if "weight" in p[0]]
    assert q4 and all(d == np.int8 for _, d, _ in q4)
    exe.save(tmp_path / "w4")
    xs = [np.random.default_rng(i).standard_normal((3, 256)).astype(np.float32)
          for i in range(2)]
    for xi, got in zip(xs, _run_fresh(tmp_path / "w4", xs, tmp_path)):
        _bits_equal(got, exe(xi))
    loaded = quantc.load(tmp_path / "w4")
    rng = np.random.default_rng(2)
    new = {name: (rng.integers(-8, 8, shape).astype(dtype) if dtype == np.int8
                  else rng.uniform(0.01, 0.1, shape).astype(dtype))
           for name, dtype, shape in exe.params}
    exe.load_params(new)
    loaded.load_params(new)
    _bits_equal(loaded.forward(xs[0]), exe(xs[0]))
