"""The LLaMA-style decoder with an int8 KV cache (quantc.llama) on a tiny
config (2 layers, hidden 64): prefill logits against the float module,
decode steps against PyTorch running the same int8-cache algorithm eagerly
(quantc.llama.Decode, the simulation of the cache quantization), the int8
attention GEMMs reading the cache as int8, and the cache buffers written in
place (never reallocated)."""
import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # python3-torch is in quantc.sh's package list

from quantc import llama  # noqa: E402

CFG = dict(layers=2, hidden=64, heads=4, ffn=128, vocab=96, max_len=32)


def _rel(y, r):
    return float(np.linalg.norm(y - r) / np.linalg.norm(r))


def _model():
    torch.manual_seed(0)
    return llama.inject_outliers(llama.Llama(llama.LlamaConfig(**CFG)).eval(), seed=3)


def _prompts(n, length, seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(0, CFG["vocab"], (length,), generator=g) for _ in range(n)]


@pytest.fixture(scope="module")
def float_decoder():
    """Float layers and float attention: only the KV cache is quantized."""
    m = _model()
    return m, llama.QuantcDecoder.build(m, _prompts(3, 12, 1), scheme=None)


@pytest.fixture(scope="module")
def w8a8_decoder():
    """Prefill compiled for 10 tokens (static shapes compile ~10x faster than
    a dynamic length; the float fixture covers the dynamic prefill)."""
    m = _model()
    return m, llama.QuantcDecoder.build(m, _prompts(4, 10, 1), scheme="w8a8",
                                        smoothquant=0.5, prompt_len=10)


def _eager_cache(dec, n):
    return [torch.from_numpy(a[:n].copy()) for i in range(dec.cfg.layers)
            for a in (dec.k[i], dec.ks[i], dec.v[i])]


def test_prefill_float_matches_torch(float_decoder):
    m, dec = float_decoder
    prompt = _prompts(1, 9, 7)[0]
    got = dec.prefill(prompt.numpy())
    with torch.no_grad():
        want = m(prompt, torch.arange(9)).numpy()
        sim = llama.Prefill(m)(prompt, torch.arange(9))
    assert got.shape == (9, CFG["vocab"])
    assert _rel(got, want) < 1e-5
    # The cache rows the compiled prefill wrote are PyTorch's quantization
    # of the same K/V: equal, up to one step where float rounding of the
    # projections lands on the other side of a .5 (rare).
    for i in range(CFG["layers"]):
        for got_q, want_q in ((dec.k[i][:9], sim[1 + 3 * i]), (dec.v[i][:9], sim[3 + 3 * i])):
            d = np.abs(got_q.astype(np.int32) - want_q.numpy().astype(np.int32))
            assert d.max() <= 1 and np.mean(d == 0) > 0.99
        np.testing.assert_allclose(dec.ks[i][:9], sim[2 + 3 * i].numpy(), rtol=1e-5)


def test_decode_matches_int8_cache_simulation(float_decoder):
    """Five decode steps: the logits and the new int8 rows against PyTorch
    running quantc.llama.Decode on the same cache; the cache buffers keep
    their memory (written in place, views passed)."""
    m, dec = float_decoder
    prompt = _prompts(1, 6, 8)[0]
    dec.prefill(prompt.numpy())
    ptrs = [a.__array_interface__["data"][0] for a in dec.k + dec.ks + dec.v]
    tok, exact_steps = 5, []
    for step in range(5):
        n = dec.len
        cache = _eager_cache(dec, n)
        got = dec.step(tok)
        with torch.no_grad():
            want = llama.Decode(m)(torch.tensor([tok]), torch.tensor([n]), *cache)
        assert dec.len == n + 1
        exact = True
        for i in range(CFG["layers"]):
            for j, buf in enumerate((dec.k[i], dec.ks[i], dec.v[i])):
                w = want[1 + 3 * i + j].numpy()
                if w.dtype == np.int8:
                    d = np.abs(buf[n].astype(np.int32) - w[0].astype(np.int32))
                    assert d.max() <= 1
                    exact = exact and d.max() == 0
                else:
                    np.testing.assert_allclose(buf[n], w[0], rtol=1e-3)
        # A new K/V element one step off (float rounding of the projection
        # on the other side of a .5) moves the token's own attention a bit.
        exact_steps.append(exact)
        assert _rel(got, want[0].numpy()) < (1e-5 if exact else 5e-3), step
        tok = int(got[0].argmax())
    assert any(exact_steps)
    assert [a.__array_interface__["data"][0] for a in dec.k + dec.ks + dec.v] == ptrs
    # The int8 cache's error against the float model is small but not zero
    # (the simulation is not the float model).
    full = torch.cat([prompt, torch.tensor([5])])
    with torch.no_grad():
        dec.prefill(prompt.numpy())
        f = m(full, torch.arange(len(full)))[-1:].numpy()
    e = _rel(dec.step(5), f)
    assert 1e-5 < e < 0.1


def test_w8a8_prefill_and_decode_accuracy(w8a8_decoder):
    m, dec = w8a8_decoder
    prompt = _prompts(1, 10, 9)[0]
    with torch.no_grad():
        want = m(prompt, torch.arange(10)).numpy()
    got = dec.prefill(prompt.numpy())
    assert _rel(got, want) < 0.05
    with pytest.raises(ValueError, match="does not match the traced shape"):
        dec.prefill(prompt[:9].numpy())
    tokens = prompt.tolist()
    for _ in range(4):
        tok = int(got[-1].argmax())
        got = dec.step(tok)
        tokens.append(tok)
        with torch.no_grad():
            ref = m(torch.tensor(tokens), torch.arange(len(tokens)))[-1:].numpy()
        assert _rel(got, ref) < 0.08


def test_w8a8_attention_gemms_read_the_int8_cache(w8a8_decoder):
    """Decode's Q·Kᵀ and P·V are quantc.matmul on the cache's int8 data
    (the dynamic-length `?` operands are i8 block arguments, transposed),
    not float GEMMs on a dequantized cache."""
    _, dec = w8a8_decoder
    ir = dec.models[1].mlir()
    mms = re.findall(r"quantc\.matmul %\S+, %\S+ : (tensor<[^>]+>), (tensor<[^>]+>)", ir)
    cache_mms = [b for a, b in mms if "?" in a + b]
    assert len(cache_mms) == 2 * CFG["layers"]
    assert all(b.endswith("xi8>") for b in cache_mms)
    assert "linalg.batch_matmul" not in ir
    # The scales: K per token and head ([L, H, 1] argument), V per channel
    # and head (a [1, H, dh] constant).
    assert re.search(r"%arg3: tensor<\?x4x1xf32>", ir)
    # Both run on the avx512-vnni decode kernel, reading the cache in place
    # (no remark says "reference lowering"; the weights, printed in full,
    # are packed as constants here).
    import quantc
    full = dec.models[1]._module.mlir(elide_resources_over=None)
    out, diags = quantc.run_pipeline(full, "quantc-lower-matmul-to-x86",
                                     return_diagnostics=True)
    assert "reference lowering" not in diags, diags
    assert out.count("call @__quantc_x86_decode_gemm") == 2 * CFG["layers"]


def test_v_per_token_is_refused():
    """A model storing V per token (as K) fails quantization with the
    verifier's explanation."""
    import quantc

    class BadAttention(torch.nn.Module):
        def forward(self, p, vq, vs):
            return torch.bmm(p, (vq.float() * vs).transpose(0, 1))

    n = 6
    args = (torch.rand(4, 1, n), torch.zeros(n, 4, 16, dtype=torch.int8), torch.ones(n, 4, 1))
    tm = quantc.from_torch(BadAttention(), args, dynamic_dims={0: 2, 1: 0, 2: 0})
    with pytest.raises(quantc.CompileError, match="V cannot have a scale per token"):
        tm.quantize("w8a8", smoothquant=None, attention="int8")


class _Int8Ops(torch.nn.Module):
    """The ops an int8 KV cache needs: abs, amax, clamp, round (half to
    even), maximum/minimum, float <-> int8/int64 conversions."""

    def forward(self, x, q):
        s = x.abs().amax(-1, keepdim=True).clamp(min=1e-12) / 127
        r = torch.round(x / s).clamp(-127, 127).to(torch.int8)
        t = torch.round(x * 2.0).to(torch.int8)            # exact .5 ties -> even
        m = torch.maximum(x, q.float()) - torch.minimum(x, -x.abs())
        return r, s, t, m, q.float() * s, torch.round(x * 4.0).to(torch.int64)


def test_int8_ops_match_torch():
    import quantc
    x = torch.tensor([[0.25, -0.75, 1.25, -1.75, 2.0, 0.0],
                      [3.3, -7.1, 0.01, 5.5, -0.5, 1.0]])
    q = torch.tensor([[1, -2, 127, -127, 0, 5], [3, 2, 1, 0, -1, -2]], dtype=torch.int8)
    m = _Int8Ops()
    got = quantc.from_torch(m, (x, q)).compile()(x.numpy(), q.numpy())
    want = m(x, q)
    for g, w in zip(got, want):
        w = w.numpy()
        assert g.dtype == w.dtype
        if w.dtype.kind == "f":
            np.testing.assert_allclose(g, w, rtol=1e-6)
        else:
            np.testing.assert_array_equal(g, w)
    assert list(want[2][0].numpy()) == [0, -2, 2, -4, 4, 0]  # the ties are there


def test_config_is_checked():
    """LlamaConfig refuses sizes that are not positive integers and a theta
    or eps that is not a positive finite number, naming the field (a zero
    head count was a ZeroDivisionError, a zero layer count an empty model)."""
    for field, bad in (("layers", 0), ("hidden", -64), ("heads", 0), ("ffn", 2.5),
                       ("vocab", True), ("max_len", None)):
        with pytest.raises(ValueError, match=f"LlamaConfig: {field} must be a positive "
                           f"integer, got {re.escape(repr(bad))}"):
            llama.LlamaConfig(**{**CFG, field: bad})
    for field, bad in (("eps", float("nan")), ("rope_theta", 0), ("eps", -1e-6)):
        with pytest.raises(ValueError, match=f"LlamaConfig: {field} must be a positive "
                           "finite number"):
            llama.LlamaConfig(**{**CFG, field: bad})
    assert llama.LlamaConfig(**{**CFG, "layers": np.int64(2)}).layers == 2


def test_token_ids_are_checked(float_decoder):
    """Token ids outside [0, vocab), float ids and an empty prompt are
    refused before the compiled code runs (its embedding does not bound the
    index: an id past the table read past it, or crashed)."""
    _, dec = float_decoder
    v = CFG["vocab"]
    for bad in ([1, 2, v], [1, -1], [1, 10**9]):
        with pytest.raises(IndexError, match="out of range"):
            dec.prefill(bad)
    with pytest.raises(ValueError, match="integers"):
        dec.prefill([1.7, 2.2])
    with pytest.raises(ValueError, match="0 tokens"):
        dec.prefill([])
    dec.prefill([1, 2, 3])
    for bad in (v, -1, 10**9):
        with pytest.raises(IndexError, match="out of range"):
            dec.step(bad)
    with pytest.raises(ValueError, match="one token"):
        dec.step(np.array([1, 2]))
    assert dec.len == 3
    assert dec.step(np.int64(v - 1)).shape == (1, v)
    assert dec.step(np.array([0])).shape == (1, v)
