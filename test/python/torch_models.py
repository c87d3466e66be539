"""Small PyTorch models for the frontend tests (test_torch_frontend.py): a
LLaMA-style decoder (RMSNorm as written, RoPE with cat/slice, a causal mask
buffer, SwiGLU, residuals) on [B, S, C] inputs and an OPT-style block (pre-LN,
causal softmax attention, fc1-ReLU-fc2, residuals) on [S, C] inputs."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        v = x.pow(2).mean(-1, keepdim=True)
        return x * torch.rsqrt(v + self.eps) * self.weight


def rope(x, cos, sin):
    h = x.shape[-1] // 2
    x1, x2 = x[..., :h], x[..., h:]
    return x * cos + torch.cat((-x2, x1), dim=-1) * sin


class LlamaAttention(nn.Module):
    def __init__(self, d, heads, maxlen=16):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.q = nn.Linear(d, d, bias=False)
        self.k = nn.Linear(d, d, bias=False)
        self.v = nn.Linear(d, d, bias=False)
        self.o = nn.Linear(d, d, bias=False)
        self.register_buffer("mask", torch.triu(torch.full((maxlen, maxlen), -1e9), 1))
        inv = 1.0 / (10000 ** (torch.arange(0, self.dh, 2).float() / self.dh))
        t = torch.outer(torch.arange(maxlen).float(), inv)
        emb = torch.cat((t, t), -1)
        self.register_buffer("cos", emb.cos())
        self.register_buffer("sin", emb.sin())

    def forward(self, x):
        b, n, d = x.shape
        q = self.q(x).view(b, n, self.h, self.dh).transpose(1, 2)
        k = self.k(x).view(b, n, self.h, self.dh).transpose(1, 2)
        v = self.v(x).view(b, n, self.h, self.dh).transpose(1, 2)
        q = rope(q, self.cos[:n], self.sin[:n])
        k = rope(k, self.cos[:n], self.sin[:n])
        a = (q @ k.transpose(-2, -1)) / math.sqrt(self.dh) + self.mask[:n, :n]
        a = torch.softmax(a, dim=-1)
        return self.o((a @ v).transpose(1, 2).reshape(b, n, d))


class SwiGLU(nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.gate = nn.Linear(d, f, bias=False)
        self.up = nn.Linear(d, f, bias=False)
        self.down = nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.down(F.silu(self.gate(x)) * self.up(x))


class LlamaLayer(nn.Module):
    def __init__(self, d, heads, f):
        super().__init__()
        self.attn_norm = RMSNorm(d)
        self.attn = LlamaAttention(d, heads)
        self.mlp_norm = RMSNorm(d)
        self.mlp = SwiGLU(d, f)

    def forward(self, x):
        x = x + self.attn(self.attn_norm(x))
        return x + self.mlp(self.mlp_norm(x))


class Llama(nn.Module):
    def __init__(self, d=32, heads=4, f=64, n=2, vocab=50):
        super().__init__()
        self.layers = nn.ModuleList([LlamaLayer(d, heads, f) for _ in range(n)])
        self.norm = RMSNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.lm_head(self.norm(x))


class OPTBlock(nn.Module):
    def __init__(self, d=64, heads=4, f=256, maxlen=32):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.ln1 = nn.LayerNorm(d)
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, f)
        self.fc2 = nn.Linear(f, d)
        self.register_buffer("mask", torch.triu(torch.full((maxlen, maxlen), -1e9), 1))

    def forward(self, x):
        n, d = x.shape
        h = self.ln1(x)
        q = self.q(h).view(n, self.h, self.dh).transpose(0, 1)
        k = self.k(h).view(n, self.h, self.dh).transpose(0, 1)
        v = self.v(h).view(n, self.h, self.dh).transpose(0, 1)
        a = torch.softmax(q @ k.transpose(1, 2) * (self.dh ** -0.5) + self.mask[:n, :n], dim=-1)
        x = x + self.o((a @ v).transpose(0, 1).reshape(n, d))
        return x + self.fc2(torch.relu(self.fc1(self.ln2(x))))


class OPTBlock3D(nn.Module):
    """OPTBlock on [B, S, d] inputs, as OPT's decoder layer is written:
    every nn.Linear sees a 3-D tensor (traced as a view to [B*S, d] around
    the GEMM), attention per batch and head on 4-D tensors."""

    def __init__(self, d=64, heads=4, f=256, maxlen=32):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.ln1 = nn.LayerNorm(d)
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, f)
        self.fc2 = nn.Linear(f, d)
        self.register_buffer("mask", torch.triu(torch.full((maxlen, maxlen), -1e9), 1))

    def forward(self, x):
        b, n, d = x.shape
        h = self.ln1(x)
        q = self.q(h).view(b, n, self.h, self.dh).transpose(1, 2)
        k = self.k(h).view(b, n, self.h, self.dh).transpose(1, 2)
        v = self.v(h).view(b, n, self.h, self.dh).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(2, 3) * (self.dh ** -0.5) + self.mask[:n, :n], dim=-1)
        x = x + self.o((a @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.fc2(torch.relu(self.fc1(self.ln2(x))))
