"""A LLaMA-style decoder in PyTorch with an int8 KV cache, and the driver
that runs it compiled by quantc (the main job, `./quantc.sh example`, and
benchmarks/e2e/llama.py).

    model = Llama(LlamaConfig(...)).eval()       # random weights, outlier channels
    dec = QuantcDecoder.build(model, calib_prompts, scheme="w8a8", smoothquant=0.5)
    logits = dec.prefill(prompt)                  # [S, vocab]; fills the int8 cache
    logits = dec.step(token)                      # [1, vocab]; appends one row

Model: token embedding, `layers` x (RMSNorm -> q/k/v -> RoPE -> causal
attention -> o (+ residual) -> RMSNorm -> SwiGLU (+ residual)), RMSNorm,
LM head; batch 1, activations `[S, hidden]`. RoPE reads its cos/sin rows
with `F.embedding(positions, table)` (positions are an argument), so prefill
and decode index the tables the same way at any position.

KV cache (the design, docs/PYTORCH.md "Decoding with an int8 KV cache"):
per layer three NumPy buffers preallocated to `max_len` rows: K `[max_len,
heads, head_dim]` int8 with a scale per token and head `[max_len, heads, 1]`
f32, V `[max_len, heads, head_dim]` int8 with one static scale per head and
channel (`[1, heads, head_dim]`, from calibration: a scale along the cache
length would be a scale along the reduction dimension of P·V). The compiled
functions are pure: `prefill(tokens, positions)` returns the logits and the
prompt's quantized K/V rows; `decode(token, position, K, K scale, V, ...)`
takes views of the first `len` rows of the buffers (contiguous, a dynamic
dimension: no copy) and returns the logits and the new token's quantized
rows, which the driver writes into row `len` in place. The buffers are never
reallocated. Decode attention splits the softmax into the cache part (the
int8 GEMMs Q·Kᵀ and P·V on the cache) and the new token's own score, so no
`cat` along the dynamic length is needed.

The PyTorch modules `Prefill` and `Decode` *are* the int8-cache algorithm:
run eagerly they are the reference simulation of the cache quantization.
"""
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["LlamaConfig", "Llama", "Prefill", "Decode", "QuantcDecoder", "TorchDecoder",
           "inject_outliers", "quantize_k", "quantize_v", "hadamard_blocks", "rotate_down",
           "smoothing_overrides", "SMOOTHED"]

QMAX = 127.0
#: The file QuantcDecoder.save writes into the artifact directory: the
#: LlamaConfig (LlamaConfig.FIELDS) the code was compiled for.
CONFIG_FILE = "llama_config.json"


class LlamaConfig:
    """Sizes of the decoder; `max_len` bounds prompt + generated tokens."""

    def __init__(self, layers=4, hidden=1024, heads=16, ffn=2816, vocab=4096,
                 max_len=2048, rope_theta=10000.0, eps=1e-6, k_cache="int8", v_cache="int8"):
        """`k_cache`, `v_cache`: "int8" (the design) or "float" (the cache
        holds float32 rows, scales 1: the accuracy ablation's cache site
        kept in float)."""
        for what, v in (("layers", layers), ("hidden", hidden), ("heads", heads),
                        ("ffn", ffn), ("vocab", vocab), ("max_len", max_len)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"LlamaConfig: {what} must be a positive integer, got {v!r}")
        for what, v in (("rope_theta", rope_theta), ("eps", eps)):
            if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) \
                    or not math.isfinite(v) or v <= 0:
                raise ValueError(f"LlamaConfig: {what} must be a positive finite number, "
                                 f"got {v!r}")
        layers, hidden, heads, ffn = int(layers), int(hidden), int(heads), int(ffn)
        vocab, max_len = int(vocab), int(max_len)
        rope_theta, eps = float(rope_theta), float(eps)
        if hidden % heads or (hidden // heads) % 2:
            raise ValueError(f"hidden {hidden} must split into {heads} heads of even size")
        for what, v in (("k_cache", k_cache), ("v_cache", v_cache)):
            if v not in ("int8", "float"):
                raise ValueError(f"{what} must be 'int8' or 'float', got {v!r}")
        self.k_cache, self.v_cache = k_cache, v_cache
        self.layers, self.hidden, self.heads, self.ffn = layers, hidden, heads, ffn
        self.vocab, self.max_len, self.rope_theta, self.eps = vocab, max_len, rope_theta, eps
        self.head_dim = hidden // heads

    #: The fields a compiled decoder depends on (QuantcDecoder.save records them).
    FIELDS = ("layers", "hidden", "heads", "ffn", "vocab", "max_len", "rope_theta", "eps",
              "k_cache", "v_cache")

    def as_dict(self):
        return {f: getattr(self, f) for f in self.FIELDS}

    def __repr__(self):
        return (f"LlamaConfig(layers={self.layers}, hidden={self.hidden}, heads={self.heads}, "
                f"ffn={self.ffn}, vocab={self.vocab}, max_len={self.max_len})")


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope(x, cos, sin):
    """Rotate-half RoPE of `x` [H, S, dh] with rows `cos`, `sin` [S, dh]."""
    h = x.shape[-1] // 2
    return x * cos + torch.cat((-x[..., h:], x[..., :h]), dim=-1) * sin


def quantize_k(k, dtype="int8"):
    """K [S, H, dh] -> int8 and a scale per token and head [S, H, 1]
    (absmax / 127, round half to even); `dtype="float"`: K / scale in
    float, unrounded (the ablation's float cache)."""
    s = k.abs().amax(-1, keepdim=True).clamp(min=1e-12) / QMAX
    if dtype == "float":
        return k / s, s
    return torch.round(k / s).clamp(-QMAX, QMAX).to(torch.int8), s


def quantize_v(v, scale, dtype="int8"):
    """V [S, H, dh] -> int8 with the static per-(head, channel) `scale`
    [1, H, dh] (values beyond the calibrated range saturate); `dtype="float"`:
    V / scale in float (the ablation's float cache: dequantizing multiplies
    the scale back)."""
    if dtype == "float":
        return v / scale
    return torch.round(v / scale).clamp(-QMAX, QMAX).to(torch.int8)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, self.h, self.dh = cfg.hidden, cfg.heads, cfg.head_dim
        self.k_cache, self.v_cache = cfg.k_cache, cfg.v_cache
        self.q = nn.Linear(d, d, bias=False)
        self.k = nn.Linear(d, d, bias=False)
        self.v = nn.Linear(d, d, bias=False)
        self.o = nn.Linear(d, d, bias=False)
        self.register_buffer("mask", torch.triu(torch.full((cfg.max_len, cfg.max_len),
                                                           -1e9), 1))
        self.register_buffer("v_scale", torch.full((1, self.h, self.dh), 1.0 / QMAX))

    def qkv(self, x, cos, sin):
        """q, k [H, S, dh] (rotated), v [S, H, dh]."""
        n = x.shape[0]
        q = rope(self.q(x).view(n, self.h, self.dh).transpose(0, 1), cos, sin)
        k = rope(self.k(x).view(n, self.h, self.dh).transpose(0, 1), cos, sin)
        return q, k, self.v(x).view(n, self.h, self.dh)

    def out(self, o):
        """[H, S, dh] -> o projection of [S, H*dh]."""
        return self.o(o.transpose(0, 1).reshape(o.shape[1], self.h * self.dh))

    def forward(self, x, cos, sin):
        """Causal attention over the prompt; also returns k [H, S, dh], v [S, H, dh]."""
        n = x.shape[0]
        q, k, v = self.qkv(x, cos, sin)
        a = torch.bmm(q, k.transpose(1, 2)) * (self.dh ** -0.5) + self.mask[:n, :n]
        p = torch.softmax(a, dim=-1)
        return self.out(torch.bmm(p, v.transpose(0, 1))), k, v

    def decode(self, x, cos, sin, kq, ks, vq):
        """One token `x` [1, d] attending to the int8 cache (kq [L, H, dh],
        ks [L, H, 1], vq [L, H, dh]) and to itself; returns the output and
        the token's int8 K row, K scale and V row."""
        q, k, v = self.qkv(x, cos, sin)
        kn_q, kn_s = quantize_k(k.transpose(0, 1), self.k_cache)
        vn_q = quantize_v(v, self.v_scale, self.v_cache)
        kn = (kn_q.float() * kn_s).transpose(0, 1)               # [H, 1, dh]
        vn = (vn_q.float() * self.v_scale).transpose(0, 1)       # [H, 1, dh]
        keys = (kq.float() * ks).permute(1, 2, 0)                # [H, dh, L]
        vals = (vq.float() * self.v_scale).transpose(0, 1)       # [H, L, dh]
        c = self.dh ** -0.5
        sc = torch.bmm(q, keys) * c                              # [H, 1, L]
        sn = (q * kn).sum(-1, keepdim=True) * c                  # [H, 1, 1]
        m = torch.maximum(sc.amax(-1, keepdim=True), sn)
        pc, pn = torch.exp(sc - m), torch.exp(sn - m)
        den = pc.sum(-1, keepdim=True) + pn
        o = (torch.bmm(pc, vals) + pn * vn) / den
        return self.out(o), kn_q, kn_s, vn_q


def hadamard_blocks(x, block, normalize=True):
    """`x` [..., C] times the Hadamard matrix `H_b ⊗ I_{C/b}` (Sylvester
    `H_b`, b = `block`, a power of two dividing C): each of the C/b groups of
    b channels `{j, j + C/b, j + 2C/b, ...}` is rotated by `H_b` (a block-
    diagonal Hadamard up to a permutation of the channels), divided by
    sqrt(b) when `normalize` (then orthonormal, symmetric and its own
    inverse). Computed as log2(b) butterfly stages (a fast Walsh-Hadamard
    transform along the b axis of `x` viewed [..., b, C/b]); each stage is
    one broadcast elementwise op `[a, d] -> [a + d, a - d]` (a constant sign
    column) whose innermost run is at least C/b contiguous channels."""
    shape, c = x.shape, x.shape[-1]
    lead, g = x.shape[:-1], c // block
    sign = torch.tensor([[[1.0]], [[-1.0]]])
    h = 1
    while h < block:
        y = x.reshape(*lead, block // (2 * h), 2, h, g)
        x = (y[..., :1, :, :] + y[..., 1:, :, :] * sign).reshape(shape)
        h *= 2
    return x * (1.0 / math.sqrt(block)) if normalize else x


class FFN(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.gate = nn.Linear(cfg.hidden, cfg.ffn, bias=False)
        self.up = nn.Linear(cfg.hidden, cfg.ffn, bias=False)
        self.down = nn.Linear(cfg.ffn, cfg.hidden, bias=False)
        self.rotate = 0
        """Block size of the Hadamard rotation of down's input (0: none;
        set by `rotate_down`, which also rotates down's weight)."""

    def forward(self, x):
        h = F.silu(self.gate(x)) * self.up(x)
        if self.rotate:
            # Unnormalised: the 1/block of H·H = block·I is in the weight
            # (per-token quantization does not see a constant factor).
            h = hadamard_blocks(h, self.rotate, normalize=False)
        return self.down(h)


class Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attn_norm = RMSNorm(cfg.hidden, cfg.eps)
        self.attn = Attention(cfg)
        self.mlp_norm = RMSNorm(cfg.hidden, cfg.eps)
        self.mlp = FFN(cfg)


class Llama(nn.Module):
    """The float decoder: `forward(tokens [S] int64, positions [S] int64)`
    -> logits [S, vocab] (causal over the S tokens, positions from 0)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab, cfg.hidden)
        self.layers = nn.ModuleList([Layer(cfg) for _ in range(cfg.layers)])
        self.norm = RMSNorm(cfg.hidden, cfg.eps)
        self.lm_head = nn.Linear(cfg.hidden, cfg.vocab, bias=False)
        inv = 1.0 / cfg.rope_theta ** (torch.arange(0, cfg.head_dim, 2).float() / cfg.head_dim)
        t = torch.outer(torch.arange(cfg.max_len).float(), inv)
        self.register_buffer("cos", torch.cat((t, t), -1).cos())
        self.register_buffer("sin", torch.cat((t, t), -1).sin())

    def rope_rows(self, positions):
        return F.embedding(positions, self.cos), F.embedding(positions, self.sin)

    def forward(self, tokens, positions):
        return self.prefill(tokens, positions)[0]

    def prefill(self, tokens, positions):
        """Logits and per layer (k [H, S, dh], v [S, H, dh]) in float."""
        x = self.embed(tokens)
        cos, sin = self.rope_rows(positions)
        kv = []
        for layer in self.layers:
            a, k, v = layer.attn(layer.attn_norm(x), cos, sin)
            x = x + a
            x = x + layer.mlp(layer.mlp_norm(x))
            kv.append((k, v))
        return self.lm_head(self.norm(x)), kv


class Prefill(nn.Module):
    """`forward(tokens, positions)` -> (logits, K int8, K scale, V int8 per
    layer): the prompt pass that fills the int8 cache."""

    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, tokens, positions):
        logits, kv = self.m.prefill(tokens, positions)
        out = [logits]
        for layer, (k, v) in zip(self.m.layers, kv):
            kq, ks = quantize_k(k.transpose(0, 1), layer.attn.k_cache)
            out += [kq, ks, quantize_v(v, layer.attn.v_scale, layer.attn.v_cache)]
        return tuple(out)


class Decode(nn.Module):
    """`forward(token [1], position [1], K, K scale, V per layer (the cache,
    L rows))` -> (logits [1, vocab], the token's K, K scale, V per layer)."""

    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, token, position, *cache):
        m = self.m
        x = m.embed(token)
        cos, sin = m.rope_rows(position)
        out = []
        for i, layer in enumerate(m.layers):
            a, kq, ks, vq = layer.attn.decode(layer.attn_norm(x), cos, sin,
                                              *cache[3 * i:3 * i + 3])
            x = x + a
            x = x + layer.mlp(layer.mlp_norm(x))
            out += [kq, ks, vq]
        return tuple([m.lm_head(m.norm(x))] + out)


def inject_outliers(model, channels=(7, 300, 777), factors=(20.0, 35.0, 50.0), seed=0):
    """Random weights with activation outlier channels (as LLM.int8() and
    SmoothQuant observe in trained LLMs): the RMSNorm gains of `channels`
    are multiplied by `factors` (so the inputs of q/k/v and gate/up have
    outlier channels) and the weight columns reading them divided by the
    same factor (the float function is unchanged; per-token int8 quantization
    of those inputs is not)."""
    g = torch.Generator().manual_seed(seed)
    d = model.cfg.hidden
    channels = [c % d for c in channels]
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.normal_(0.0, 1.0 / math.sqrt(p.shape[1]), generator=g)
        model.embed.weight.normal_(0.0, 1.0, generator=g)
        for layer in model.layers:
            for norm, lins in ((layer.attn_norm, (layer.attn.q, layer.attn.k, layer.attn.v)),
                               (layer.mlp_norm, (layer.mlp.gate, layer.mlp.up))):
                norm.weight.copy_(1.0 + 0.1 * torch.randn(d, generator=g))
                for c, f in zip(channels, factors):
                    norm.weight[c] *= f
                    for lin in lins:
                        lin.weight[:, c] /= f
    return model


def rotate_down(model, block=64):
    """A copy of `model` whose down projections read their input rotated by
    a block-diagonal Hadamard matrix H (`hadamard_blocks`, blocks of `block`
    channels, unnormalised) with the weight rotated to match:
    `h·Wᵀ = (h·H)·(W·H / block)ᵀ` (H symmetric, H·H = block·I), the same
    float function. The SwiGLU product
    `silu(gate)·up` is heavy-tailed per token (kurtosis ~21 on the main
    job's model, a token's absmax ~10x its RMS), so per-token int8 spends
    its range on a few channels; the rotation spreads every block's tail
    over the block (QuaRot's online Hadamard, here in blocks so that it
    costs log2(block) adds per element instead of a GEMM), halving the
    down projection's W8A8 error (docs/ACCURACY.md). `block` must be a power
    of two >= 2 dividing the FFN size."""
    import copy
    ffn = model.cfg.ffn
    if isinstance(block, bool) or not isinstance(block, int) or block < 2 \
            or block & (block - 1) or ffn % block:
        raise ValueError(f"rotate_down: block must be a power of two >= 2 dividing the "
                         f"FFN size {ffn}, got {block!r}")
    m = copy.deepcopy(model)
    with torch.no_grad():
        for layer in m.layers:
            if layer.mlp.rotate:
                raise ValueError("rotate_down: the model's down projections are already "
                                 "rotated")
            w = layer.mlp.down.weight
            w.copy_(hadamard_blocks(w, block, normalize=False) / block)
            layer.mlp.rotate = block
    return m


SMOOTHED = ("q", "k", "v", "gate", "up")
"""The linear classes whose inputs (the RMSNorm outputs) carry the outlier
channels: SmoothQuant applies to them; o, down and lm_head read inputs
without channel outliers, where smoothing only adds error (docs/ACCURACY.md)."""


def smoothing_overrides(cfg, smoothed=SMOOTHED):
    """quantize() overrides turning SmoothQuant off for every linear layer
    (the traced names, `m.layers.<i>.attn.q` ...) whose class is not in
    `smoothed`."""
    classes = {"q": "attn", "k": "attn", "v": "attn", "o": "attn", "gate": "mlp",
               "up": "mlp", "down": "mlp"}
    bad = set(smoothed) - set(classes) - {"lm_head"}
    if bad:
        raise ValueError(f"smoothing_overrides: unknown linear classes {sorted(bad)} "
                         f"(the classes are {sorted(classes) + ['lm_head']})")
    over = {} if "lm_head" in smoothed else {"m.lm_head": {"smoothquant": None}}
    for c, sub in classes.items():
        if c not in smoothed:
            for i in range(cfg.layers):
                over[f"m.layers.{i}.{sub}.{c}"] = {"smoothquant": None}
    return over


def calibrate_v_scales(model, prompts, margin=2.0):
    """Sets every layer's static V scale (per head and channel) from the
    absmax of V over `prompts` (float model) times `margin`. The default 2
    (one bit of headroom) is because tokens after the calibration prompts
    exceed their range and saturate: one decode step's logits error against
    the float model, 4-layer config, is 7.6 % with margin 1, 1.8 % with 1.5,
    0.9 % with 2."""
    with torch.no_grad():
        amax = None
        for p in prompts:
            _, kv = model.prefill(p, torch.arange(len(p)))
            vs = [v.abs().amax(0, keepdim=True) for _, v in kv]
            amax = vs if amax is None else [torch.maximum(a, b) for a, b in zip(amax, vs)]
        for layer, a in zip(model.layers, amax):
            layer.attn.v_scale.copy_((a * margin).clamp(min=1e-8) / QMAX)


class QuantcDecoder:
    """The compiled prefill and decode functions and the preallocated int8
    cache (module doc)."""

    def __init__(self, cfg, prefill_fn, decode_fn):
        self.cfg = cfg
        self.prefill_fn, self.decode_fn = prefill_fn, decode_fn
        shape = (cfg.max_len, cfg.heads, cfg.head_dim)
        kt, vt = (np.int8 if t == "int8" else np.float32 for t in (cfg.k_cache, cfg.v_cache))
        self.k = [np.zeros(shape, kt) for _ in range(cfg.layers)]
        self.ks = [np.zeros(shape[:2] + (1,), np.float32) for _ in range(cfg.layers)]
        self.v = [np.zeros(shape, vt) for _ in range(cfg.layers)]
        self.len = 0

    @classmethod
    def build(cls, model, calib, scheme="w8a8", smoothquant=0.5, overrides=None,
              prompt_len=None, decode=True, calibrate_v=True, timings=None, attention=None,
              rotate_down=None):
        """Traces Prefill and Decode, calibrates (prefill on `calib`, a list of
        int64 token tensors; decode reuses the prefill's statistics: the
        layers are the same), quantizes both with `scheme` / `smoothquant`
        and compiles them. `prompt_len` None: prefill takes any prompt length
        (dynamic); an int: prefill is compiled for that length only (static
        shapes compile ~10x faster: a dynamic token count multiplies the
        code of every W8A8 GEMM; the calibration prompts must then have that
        length). Decode always takes any cache length; `decode=False` builds
        the prefill only. `calibrate_v=False` keeps the model's V scales (set
        them once with `calibrate_v_scales` when building several decoders of
        one model: the compiled code may read the buffer's memory). `timings`
        (a dict) receives seconds per stage. `attention` is quantize's
        (default int8 unless `scheme` is None). `rotate_down` (a block
        size) compiles `rotate_down(model, block)` (the same float function)
        instead of `model`."""
        import quantc
        t = timings if timings is not None else {}
        cfg = model.cfg
        t0 = time.perf_counter()
        if calibrate_v:
            calibrate_v_scales(model, calib)
        if rotate_down is not None:
            model = globals()["rotate_down"](model, rotate_down)
        n = max(3, min(8, cfg.max_len - 1))
        toks = torch.zeros(prompt_len or n, dtype=torch.long)
        functions = {"prefill": (Prefill(model), (toks, torch.arange(len(toks))),
                                 None if prompt_len else {0: 0, 1: 0})}
        toks = toks[:n]
        if decode:
            cache = []
            kt, vt = (torch.int8 if t == "int8" else torch.float32
                      for t in (cfg.k_cache, cfg.v_cache))
            for _ in range(cfg.layers):
                cache += [torch.zeros(n, cfg.heads, cfg.head_dim, dtype=kt),
                          torch.ones(n, cfg.heads, 1),
                          torch.zeros(n, cfg.heads, cfg.head_dim, dtype=vt)]
            functions["decode"] = (Decode(model), (toks[:1], torch.tensor([n]), *cache),
                                   {2 + i: 0 for i in range(3 * cfg.layers)})
        # One program: prefill and decode share every weight, so they are
        # quantized alike and compiled into one module (one parameter per
        # weight, packed once; one artifact).
        prog = quantc.from_torch_multi(functions)
        t["trace"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        needs_stats = scheme in ("w8a8-static", "llm.int8") or (
            scheme == "w8a8" and smoothquant is not None)
        if needs_stats:
            prog.calibrate([(p, torch.arange(len(p))) for p in calib], function="prefill")
        t["calibrate"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        prog.quantize(scheme, smoothquant=smoothquant if scheme in ("w8a8", "w8a8-static")
                      else None, overrides=overrides,
                      attention=attention if attention is not None
                      else "int8" if scheme is not None else "float")
        t["quantize"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        exe = prog.compile()
        t["compile"] = time.perf_counter() - t0
        self = cls(cfg, exe.prefill, exe.decode if decode else None)
        self.program, self.compiled, self.model = prog, exe, model
        self.models = (prog["prefill"], prog.models.get("decode"))
        return self

    def save(self, path):
        """Writes the compiled prefill and decode (one artifact directory,
        one set of packed weights); `QuantcDecoder.load(path, cfg)` runs it
        in another process without recompiling."""
        import json
        import os
        self.compiled.save(path)
        # The config next to the artifact's own files: load refuses another
        # (the code is compiled for these sizes: a larger max_len would read
        # past the mask and RoPE tables).
        with open(os.path.join(os.fspath(path), CONFIG_FILE), "w") as f:
            json.dump(self.cfg.as_dict(), f, indent=1)

    @classmethod
    def load(cls, path, cfg=None):
        """A decoder of config `cfg` running the artifact `path` written by
        `save` (quantc.load: no LLVM or MLIR). `cfg` must equal the config
        the artifact was built with (recorded by `save` in CONFIG_FILE): a
        ValueError names the first field that differs. Without `cfg`, the
        recorded config."""
        import json
        import os
        import quantc
        if cfg is not None and not isinstance(cfg, LlamaConfig):
            raise TypeError(f"QuantcDecoder.load: cfg must be a LlamaConfig or None, got "
                            f"{type(cfg).__name__}")
        mod = quantc.load(path)
        saved_at = os.path.join(os.fspath(path), CONFIG_FILE)
        if cfg is None and not os.path.exists(saved_at):
            raise ValueError(f"QuantcDecoder.load: the artifact {os.fspath(path)!r} has no "
                             f"{CONFIG_FILE}; pass its LlamaConfig as cfg")
        if os.path.exists(saved_at):
            with open(saved_at) as f:
                try:
                    saved = json.load(f)
                except ValueError as e:
                    raise ValueError(f"QuantcDecoder.load: {saved_at} is not JSON ({e})") \
                        from None
            if not isinstance(saved, dict):
                raise ValueError(f"QuantcDecoder.load: {saved_at} is not a JSON object of "
                                 "LlamaConfig fields")
            if cfg is None:
                try:
                    cfg = LlamaConfig(**saved)
                except (TypeError, ValueError) as e:
                    raise ValueError(f"QuantcDecoder.load: {saved_at} is not a LlamaConfig "
                                     f"({e})") from None
            for field, want in saved.items():
                have = getattr(cfg, field, None)
                if have != want:
                    raise ValueError(f"QuantcDecoder.load: cfg.{field} is {have!r}, but the "
                                     f"artifact {os.fspath(path)!r} was built with "
                                     f"{field}={want!r} (its {CONFIG_FILE})")
        else:
            # An artifact saved without its config: the layer count at least
            # shows in the signatures (logits + 3 cache outputs per layer).
            n = len(mod.prefill.result_types)
            if n != 1 + 3 * cfg.layers:
                raise ValueError(f"QuantcDecoder.load: cfg.layers is {cfg.layers}, but the "
                                 f"artifact's prefill returns {n} results "
                                 f"({(n - 1) // 3} layers)")
        self = cls(cfg, mod.prefill, mod.decode if "decode" in mod.functions else None)
        self.compiled = mod
        return self

    def reset(self):
        self.len = 0

    def _token_ids(self, tokens, what):
        """`tokens` as int64, refused unless integer ids in [0, vocab): the
        compiled embedding does not bound its index (an id outside the table
        reads past it), so the check is here, before the compiled code."""
        a = np.asarray(tokens)
        if a.dtype.kind not in "iu" and a.size:
            raise ValueError(f"{what}: token ids must be integers, got dtype {a.dtype}")
        if a.size:
            lo, hi = int(a.min()), int(a.max())
            if lo < 0 or hi >= self.cfg.vocab:
                raise IndexError(f"{what}: token id {lo if lo < 0 else hi} out of range "
                                 f"[0, {self.cfg.vocab}) (the vocabulary)")
        return a.astype(np.int64)

    def prefill(self, tokens):
        """Runs the prompt (int64 [S]) from position 0; fills rows [0, S) of
        the cache; returns the logits [S, vocab]."""
        tokens = self._token_ids(tokens, "prefill")
        if tokens.ndim != 1:
            raise ValueError(f"prefill: tokens must be 1-D [S], got shape {tokens.shape}")
        s = len(tokens)
        if s < 1 or s > self.cfg.max_len:
            raise ValueError(f"prefill: {s} tokens; the decoder takes 1..{self.cfg.max_len} "
                             "(LlamaConfig.max_len: the cache, mask and RoPE rows)")
        res = self.prefill_fn(tokens, np.arange(s, dtype=np.int64))
        for i in range(self.cfg.layers):
            self.k[i][:s] = res[1 + 3 * i]
            self.ks[i][:s] = res[2 + 3 * i]
            self.v[i][:s] = res[3 + 3 * i]
        self.len = s
        return res[0]

    def step(self, token):
        """Decodes one token at position `len`: the cache rows [0, len) are
        passed as views (no copy), the new K/V row is written at `len`."""
        n = self.len
        if self.decode_fn is None:
            raise RuntimeError("step: this decoder was built with decode=False")
        if n < 1:
            raise RuntimeError("step: prefill a prompt first")
        if n >= self.cfg.max_len:
            raise ValueError(f"step: position {n} is beyond max_len: the cache is full "
                             f"({self.cfg.max_len} rows, LlamaConfig.max_len)")
        token = self._token_ids(token, "step")
        if token.size != 1 or token.ndim > 1:
            raise ValueError(f"step: one token id, got shape {token.shape}")
        args = [token.reshape(1), np.array([n], np.int64)]
        for i in range(self.cfg.layers):
            args += [self.k[i][:n], self.ks[i][:n], self.v[i][:n]]
        res = self.decode_fn(*args)
        for i in range(self.cfg.layers):
            self.k[i][n] = res[1 + 3 * i][0]
            self.ks[i][n] = res[2 + 3 * i][0]
            self.v[i][n] = res[3 + 3 * i][0]
        self.len = n + 1
        return res[0]


#: Debian's OpenBLAS builds (libopenblas0-pthread, libopenblas0-openmp).
OPENBLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-{}"
#: What select_torch_blas takes (the scripts' --torch-blas choices).
TORCH_BLAS_CHOICES = ("system", "auto", "pthread", "openmp")


def _openblas_installed(variant):
    import os
    return os.path.exists(os.path.join(OPENBLAS_DIR.format(variant), "libblas.so.3"))


def select_torch_blas(variant):
    """Re-executes the running script with Debian's OpenBLAS build `variant`
    first on LD_LIBRARY_PATH, unless it already is: "pthread" or "openmp";
    "auto" is "openmp" where it is installed; "system" keeps libblas.so.3's
    alternative. PyTorch's float matmuls (the fp32 baseline, attention in
    both baselines) run on it; at 2 threads the pthread build's own threads
    compete with the process's OpenMP team, PyTorch's and quantc's
    (docs/benchmarks/e2e.md). Call it before any work: the process is
    replaced."""
    import os
    import sys
    if variant not in TORCH_BLAS_CHOICES:
        raise ValueError(f"select_torch_blas: {variant!r} is not one of "
                         f"{', '.join(TORCH_BLAS_CHOICES)}")
    if variant == "auto":
        variant = "openmp" if _openblas_installed("openmp") else "system"
    if variant == "system":
        return
    d = OPENBLAS_DIR.format(variant)
    if not _openblas_installed(variant):
        raise SystemExit(f"--torch-blas {variant}: {d}/libblas.so.3 is missing "
                         f"(apt-get install libopenblas0-{variant})")
    paths = os.environ.get("LD_LIBRARY_PATH", "")
    if paths.split(":")[0] != d:
        env = dict(os.environ, LD_LIBRARY_PATH=d + (":" + paths if paths else ""))
        # orig_argv: the interpreter's own options and `-c` code too.
        os.execve(sys.executable, [sys.executable] + sys.orig_argv[1:], env)


def torch_blas():
    """The directory of the libblas.so.3 this process mapped (PyTorch's)."""
    import os
    with open("/proc/self/maps") as f:
        libs = {os.path.dirname(line.split()[-1]) for line in f
                if "libblas" in line.split()[-1]}
    return ", ".join(sorted(libs)) or "none"


class TorchDecoder:
    """The PyTorch baseline: the same model with a preallocated float KV
    cache ([max_len, H, dh] per layer, written in place), eager fp32 or
    after `torch.quantization.quantize_dynamic` (`dynamic_int8=True`)."""

    def __init__(self, model, dynamic_int8=False):
        import copy
        cfg = model.cfg
        self.cfg = cfg
        m = copy.deepcopy(model)
        if dynamic_int8:
            m = torch.quantization.quantize_dynamic(m, {nn.Linear}, dtype=torch.qint8)
        self.m = m
        shape = (cfg.layers, cfg.max_len, cfg.heads, cfg.head_dim)
        self.k, self.v = torch.zeros(shape), torch.zeros(shape)
        self.len = 0

    @torch.no_grad()
    def prefill(self, tokens):
        tokens = torch.as_tensor(np.asarray(tokens, np.int64))
        s = len(tokens)
        logits, kv = self.m.prefill(tokens, torch.arange(s))
        for i, (k, v) in enumerate(kv):
            self.k[i, :s] = k.transpose(0, 1)
            self.v[i, :s] = v
        self.len = s
        return logits

    @torch.no_grad()
    def step(self, token):
        m, n = self.m, self.len
        x = m.embed(torch.tensor([token]))
        cos, sin = m.rope_rows(torch.tensor([n]))
        for i, layer in enumerate(m.layers):
            at = layer.attn
            q, k, v = at.qkv(layer.attn_norm(x), cos, sin)
            self.k[i, n] = k[:, 0]
            self.v[i, n] = v[0]
            keys = self.k[i, :n + 1].permute(1, 2, 0)
            vals = self.v[i, :n + 1].transpose(0, 1)
            p = torch.softmax(torch.bmm(q, keys) * (at.dh ** -0.5), dim=-1)
            x = x + at.out(torch.bmm(p, vals))
            x = x + layer.mlp(layer.mlp_norm(x))
        self.len = n + 1
        return m.lm_head(m.norm(x))
