"""Prefill and decode in one compiled module (quantc.from_torch_multi /
TorchProgram, QuantcDecoder.build) on a tiny decoder (2 layers, hidden 64):
one set of parameters (a weight both functions read is one parameter and
one packed state), bit-identical to compiling the two functions as two
modules, one saved artifact with both functions giving the same bits in a
fresh process, and a weight quantized two ways refused."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import quantc

torch = pytest.importorskip("torch")  # python3-torch is in quantc.sh's package list

from quantc import llama  # noqa: E402
from quantc.frontend_torch import TorchProgram  # noqa: E402

CFG = dict(layers=2, hidden=64, heads=4, ffn=128, vocab=96, max_len=32)
PROMPT_LEN = 10


def _model():
    torch.manual_seed(0)
    return llama.inject_outliers(llama.Llama(llama.LlamaConfig(**CFG)).eval(), seed=3)


def _prompts(n, length, seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(0, CFG["vocab"], (length,), generator=g) for _ in range(n)]


@pytest.fixture(scope="module")
def decoder():
    m = _model()
    return m, llama.QuantcDecoder.build(m, _prompts(4, PROMPT_LEN, 1), scheme="w8a8",
                                        smoothquant=0.5, prompt_len=PROMPT_LEN)


@pytest.fixture(scope="module")
def two_modules(decoder):
    """The same two quantized functions compiled as two modules."""
    _, dec = decoder
    return dec.program["prefill"].compile(), dec.program["decode"].compile()


def _run(dec, prompt, steps=4):
    """The prefill logits, each step's logits, and the cache rows written."""
    outs = [dec.prefill(prompt)]
    for _ in range(steps):
        outs.append(dec.step(int(outs[-1][-1].argmax())))
    n = dec.len
    for i in range(CFG["layers"]):
        outs += [dec.k[i][:n].copy(), dec.ks[i][:n].copy(), dec.v[i][:n].copy()]
    return outs


def _bits_equal(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        assert np.array_equal(g.view(np.uint8), w.view(np.uint8))


def test_one_module_one_set_of_parameters(decoder, two_modules):
    """Both functions in one module; every parameter once; a weight both
    read is packed once: the state is the two modules' state minus one copy
    of everything they share."""
    _, dec = decoder
    exe = dec.compiled
    assert sorted(exe.module.functions) == ["decode", "prefill"]
    pre, de = two_modules
    names = [p[0] for p in exe.params]
    assert len(names) == len(set(names))
    p_pre = {p[0]: p for p in pre.params}
    p_de = {p[0]: p for p in de.params}
    shared = set(p_pre) & set(p_de)
    # Every projection and the LM head (int8), the embedding and RoPE tables
    # are read by both functions.
    int8 = {n for n in shared if p_pre[n][1] == np.int8}
    assert len(int8) == 7 * CFG["layers"] + 1
    assert {"m.embed.weight", "m.cos", "m.sin"} <= shared
    assert set(names) <= set(p_pre) | set(p_de)
    assert shared <= set(names)
    # The causal mask slices of the two layers have equal bytes: one blob.
    masks = [n for n in p_pre if "mask" in n]
    assert len(masks) == CFG["layers"] and len([n for n in names if "mask" in n]) == 1
    assert len(names) == len(set(p_pre) | set(p_de)) - (len(masks) - 1)
    # Per shared int8 weight the single modules each have its panels and
    # compensation (2 states); per shared float parameter a raw copy (the
    # mask's one copy is gone with its parameter).
    n_shared_states = 2 * len(int8) + len(shared - int8)
    assert len(exe.state) == len(pre.state) + len(de.state) - n_shared_states - 1
    nbytes = lambda mod: sum(b for _, b in mod.state)  # noqa: E731
    assert nbytes(exe) < nbytes(pre) + nbytes(de)


def test_one_module_matches_two_modules_bit_for_bit(decoder, two_modules):
    _, dec = decoder
    two = llama.QuantcDecoder(dec.cfg, *two_modules)
    prompt = _prompts(1, PROMPT_LEN, 7)[0].numpy()
    _bits_equal(_run(dec, prompt), _run(two, prompt))


_CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    from quantc import llama
    cfg = llama.LlamaConfig(**eval(sys.argv[2]))
    dec = llama.QuantcDecoder.load(sys.argv[1], cfg)
    out = [dec.prefill(np.load(sys.argv[3]))]
    for _ in range(4):
        out.append(dec.step(int(out[-1][-1].argmax())))
    n = dec.len
    for i in range(cfg.layers):
        out += [dec.k[i][:n], dec.ks[i][:n], dec.v[i][:n]]
    np.savez(sys.argv[4], *out)
""")


def test_saved_artifact_has_both_functions(decoder, tmp_path):
    """One artifact directory (one code.so, one state.bin); a fresh process
    loads it and runs prefill and decode with the same bits."""
    _, dec = decoder
    path = tmp_path / "decoder.qc"
    dec.save(path)
    assert sorted(os.listdir(path)) == ["code.so", llama.CONFIG_FILE, "manifest.json",
                                        "state.bin"]
    loaded = quantc.load(path)
    assert sorted(loaded.functions) == ["decode", "prefill"]
    assert loaded.state == dec.compiled.state
    prompt = _prompts(1, PROMPT_LEN, 11)[0].numpy()
    want = _run(dec, prompt)
    np.save(tmp_path / "prompt.npy", prompt)
    subprocess.run([sys.executable, "-c", _CHILD, str(path), repr(CFG),
                    str(tmp_path / "prompt.npy"), str(tmp_path / "out.npz")],
                   check=True, env=os.environ.copy())
    got = np.load(tmp_path / "out.npz")
    _bits_equal([got[f"arr_{i}"] for i in range(len(want))], want)


def _two_traces(m):
    n = 4
    toks = torch.zeros(PROMPT_LEN, dtype=torch.long)
    cache = []
    for _ in range(CFG["layers"]):
        cache += [torch.zeros(n, CFG["heads"], 16, dtype=torch.int8),
                  torch.ones(n, CFG["heads"], 1),
                  torch.zeros(n, CFG["heads"], 16, dtype=torch.int8)]
    pre = quantc.from_torch(llama.Prefill(m), (toks, torch.arange(PROMPT_LEN)))
    dec = quantc.from_torch(llama.Decode(m), (toks[:1], torch.tensor([n]), *cache),
                            dynamic_dims={2 + i: 0 for i in range(3 * CFG["layers"])})
    return pre, dec


def _calib(tm, seed):
    tm.calibrate([(p, torch.arange(PROMPT_LEN)) for p in _prompts(2, PROMPT_LEN, seed)])


def test_shared_weight_quantized_two_ways_is_refused():
    m = _model()
    llama.calibrate_v_scales(m, _prompts(2, PROMPT_LEN, 1))
    # Different SmoothQuant alphas.
    pre, dec = _two_traces(m)
    _calib(pre, 1)
    dec.share_statistics(pre)
    pre.quantize("w8a8", smoothquant=0.5)
    dec.quantize("w8a8", smoothquant=0.8)
    prog = TorchProgram({"prefill": pre, "decode": dec})
    with pytest.raises(ValueError, match=r"layer 'm\.layers\.0\.attn\.q' is quantized two "
                       r"ways \(scheme w8a8, smoothquant 0\.5 in @prefill, scheme w8a8, "
                       r"smoothquant 0\.8 in @decode\)"):
        prog.compile()
    # The same alpha, each calibrated on its own prompts (two prefills).
    (pre, _), (pre2, _) = _two_traces(m), _two_traces(m)
    _calib(pre, 1)
    _calib(pre2, 2)
    pre.quantize("w8a8", smoothquant=0.5)
    pre2.quantize("w8a8", smoothquant=0.5)
    with pytest.raises(ValueError, match="@a and @b were calibrated on different statistics"):
        TorchProgram({"a": pre, "b": pre2}).compile()
    # A layer quantized in one function and float in the other.
    pre, dec = _two_traces(m)
    pre.quantize("w8a16", smoothquant=None)
    with pytest.raises(ValueError, match=r"scheme w8a16, smoothquant None in @prefill, "
                       r"scheme float, smoothquant None in @decode"):
        TorchProgram({"prefill": pre, "decode": dec}).check_shared()


def test_program_argument_errors():
    with pytest.raises(TypeError, match="non-empty dict"):
        quantc.from_torch_multi([])
    with pytest.raises(TypeError, match="must be \\(module, example_args\\)"):
        quantc.from_torch_multi({"f": torch.nn.Linear(2, 2)})
    torch.manual_seed(0)
    lin = torch.nn.Linear(64, 32)
    prog = quantc.from_torch_multi({"a": (lin, (torch.zeros(2, 64),)),
                                    "b": (lin, (torch.zeros(5, 64),))})
    with pytest.raises(KeyError, match="no function 'c'"):
        prog.calibrate([(torch.zeros(2, 64),)], function="c")
    with pytest.raises(ValueError, match="must be an identifier"):
        TorchProgram({"not a name": prog["a"]})
    with pytest.raises(quantc.CompileError, match="has no function @nope"):
        quantc.Module.merge({"a": (prog["a"]._module, "nope")})
    # Two traces of one Linear at different shapes: one weight parameter.
    prog.calibrate([(torch.randn(2, 64),)])
    exe = prog.quantize("w8a8", smoothquant=0.5).compile()
    assert len([p for p in exe.params if p[1] == np.int8]) == 1
    x = np.random.default_rng(0).standard_normal((5, 64)).astype(np.float32)
    _bits_equal([exe.b(x)], [prog["b"].compile()(x)])
    with pytest.raises(ValueError, match=r"@a, argument 0: shape \(5, 64\) does not match"):
        exe.a(x)


def test_load_refuses_another_config(decoder, tmp_path):
    """save records the LlamaConfig next to the artifact; load with another
    max_len (which would read past the 32-row mask and RoPE tables) or
    layer count is a ValueError naming the field, and the loaded decoder
    refuses prompts and positions beyond max_len."""
    _, dec = decoder
    path = tmp_path / "decoder.qc"
    dec.save(path)
    for field, value in (("max_len", 64), ("layers", 1), ("vocab", 128), ("k_cache", "float")):
        cfg = llama.LlamaConfig(**{**CFG, field: value})
        with pytest.raises(ValueError, match=rf"cfg\.{field} is .*built with {field}="):
            llama.QuantcDecoder.load(path, cfg)
    ok = llama.QuantcDecoder.load(path, llama.LlamaConfig(**CFG))
    prompt = _prompts(1, PROMPT_LEN, 11)[0].numpy()
    _bits_equal([ok.prefill(prompt)], [dec.prefill(prompt)])
    with pytest.raises(ValueError, match="max_len"):
        ok.prefill(np.zeros(CFG["max_len"] + 8, np.int64))
    ok.len = CFG["max_len"]
    with pytest.raises(ValueError, match="beyond max_len"):
        ok.step(1)
    # Without a cfg, the recorded one; a config file that is not one is a
    # ValueError naming the file, a cfg of another type a TypeError.
    _bits_equal([llama.QuantcDecoder.load(path).prefill(prompt)], [dec.prefill(prompt)])
    with pytest.raises(TypeError, match="LlamaConfig or None, got dict"):
        llama.QuantcDecoder.load(path, dict(CFG))
    good = (path / llama.CONFIG_FILE).read_text()
    for text, what in (("[1, 2]", "not a JSON object"), ('{"layers": ', "is not JSON"),
                       ('{"layers": 0}', "positive integer, got 0"),
                       ('{"bogus": 1}', "unexpected keyword argument 'bogus'")):
        (path / llama.CONFIG_FILE).write_text(text)
        with pytest.raises(ValueError, match=what):
            llama.QuantcDecoder.load(path)
    (path / llama.CONFIG_FILE).write_text(good)
    # An artifact saved without the config: the layer count is still checked
    # against the signatures, and a cfg is needed.
    os.remove(path / llama.CONFIG_FILE)
    with pytest.raises(ValueError, match="cfg.layers is 1"):
        llama.QuantcDecoder.load(path, llama.LlamaConfig(**{**CFG, "layers": 1}))
    with pytest.raises(ValueError, match="has no llama_config.json; pass its LlamaConfig"):
        llama.QuantcDecoder.load(path)
