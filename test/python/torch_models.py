"""Small PyTorch models for the frontend tests (test_torch_frontend.py): a
LLaMA-style decoder (RMSNorm, RoPE with cat/slice, causal mask buffer,
SwiGLU, residuals) and an OPT-style block (pre-LN, causal softmax attention,
fc1-ReLU-fc2, residuals) on [S, C] inputs."""
import math, torch, torch.nn as nn, torch.nn.functional as F

class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__(); self.weight = nn.Parameter(torch.ones(d)); self.eps = eps
    def forward(self, x):
        v = x.pow(2).mean(-1, keepdim=True)
        return x * torch.rsqrt(v + self.eps) * self.weight

def rope(x, cos, sin):
    h = x.shape[-1] // 2
    x1, x2 = x[..., :h], x[..., h:]
    return x * cos + torch.cat((-x2, x1), dim=-1) * sin

class LlamaAttn(nn.Module):
    def __init__(s, d, heads, maxlen=16):
        super().__init__(); s.h = heads; s.dh = d // heads
        s.q = nn.Linear(d, d, bias=False); s.k = nn.Linear(d, d, bias=False)
        s.v = nn.Linear(d, d, bias=False); s.o = nn.Linear(d, d, bias=False)
        s.register_buffer("mask", torch.triu(torch.full((maxlen, maxlen), -1e9), 1))
        inv = 1.0 / (10000 ** (torch.arange(0, s.dh, 2).float() / s.dh))
        t = torch.outer(torch.arange(maxlen).float(), inv)
        emb = torch.cat((t, t), -1)
        s.register_buffer("cos", emb.cos()); s.register_buffer("sin", emb.sin())
    def forward(s, x):
        b, n, d = x.shape
        q = s.q(x).view(b, n, s.h, s.dh).transpose(1, 2)
        k = s.k(x).view(b, n, s.h, s.dh).transpose(1, 2)
        v = s.v(x).view(b, n, s.h, s.dh).transpose(1, 2)
        q = rope(q, s.cos[:n], s.sin[:n]); k = rope(k, s.cos[:n], s.sin[:n])
        a = (q @ k.transpose(-2, -1)) / math.sqrt(s.dh) + s.mask[:n, :n]
        a = torch.softmax(a, dim=-1)
        y = (a @ v).transpose(1, 2).reshape(b, n, d)
        return s.o(y)

class MLP(nn.Module):
    def __init__(s, d, f):
        super().__init__(); s.gate = nn.Linear(d, f, bias=False); s.up = nn.Linear(d, f, bias=False); s.down = nn.Linear(f, d, bias=False)
    def forward(s, x):
        return s.down(F.silu(s.gate(x)) * s.up(x))

class LlamaLayer(nn.Module):
    def __init__(s, d, heads, f):
        super().__init__(); s.attn_norm = RMSNorm(d); s.attn = LlamaAttn(d, heads); s.mlp_norm = RMSNorm(d); s.mlp = MLP(d, f)
    def forward(s, x):
        x = x + s.attn(s.attn_norm(x))
        return x + s.mlp(s.mlp_norm(x))

class Llama(nn.Module):
    def __init__(s, d=32, heads=4, f=64, n=2, vocab=50):
        super().__init__(); s.layers = nn.ModuleList([LlamaLayer(d, heads, f) for _ in range(n)])
        s.norm = RMSNorm(d); s.lm_head = nn.Linear(d, vocab, bias=False)
    def forward(s, x):
        for l in s.layers: x = l(x)
        return s.lm_head(s.norm(x))

class OPTBlock(nn.Module):
    """pre-LN, q/k/v/o, causal softmax attention, fc1-ReLU-fc2, residuals; input [S, C]"""
    def __init__(s, d=64, heads=4, f=256, maxlen=32):
        super().__init__(); s.h = heads; s.dh = d // heads
        s.ln1 = nn.LayerNorm(d); s.q = nn.Linear(d, d); s.k = nn.Linear(d, d); s.v = nn.Linear(d, d); s.o = nn.Linear(d, d)
        s.ln2 = nn.LayerNorm(d); s.fc1 = nn.Linear(d, f); s.fc2 = nn.Linear(f, d)
        s.register_buffer("mask", torch.triu(torch.full((maxlen, maxlen), -1e9), 1))
    def forward(s, x):
        n, d = x.shape
        h = s.ln1(x)
        q = s.q(h).view(n, s.h, s.dh).transpose(0, 1)
        k = s.k(h).view(n, s.h, s.dh).transpose(0, 1)
        v = s.v(h).view(n, s.h, s.dh).transpose(0, 1)
        a = torch.softmax(q @ k.transpose(1, 2) * (s.dh ** -0.5) + s.mask[:n, :n], dim=-1)
        x = x + s.o((a @ v).transpose(0, 1).reshape(n, d))
        return x + s.fc2(torch.relu(s.fc1(s.ln2(x))))
