# A saved artifact run from C: Python saves a W8A8 MLP (PyTorch frontend,
# dynamic token count), examples/c/run_model.c is built with the C compiler
# against quantc_runtime.h and libquantc_runtime only, runs it on 5 and 1
# tokens, and its printed results must equal an independent NumPy model of
# the integer computation bit for bit. A CPU-feature refusal, an unknown
# function and an embedding's token id out of range come back as error
# strings.
# RUN: rm -rf %t && mkdir -p %t
# RUN: %python %s save %t
# RUN: %cc -std=c11 -Wall -Werror -I%quantc_src_root/include %quantc_src_root/examples/c/run_model.c -L%quantc_lib_dir -lquantc_runtime -Wl,-rpath,%quantc_lib_dir -o %t/run_model
# RUN: %t/run_model %t/mlp forward %t/x5.bin > %t/out5.txt
# RUN: %t/run_model %t/mlp forward %t/x1.bin > %t/out1.txt
# RUN: %python %s check %t | FileCheck %s
# RUN: not %t/run_model %t/mlp backward %t/x5.bin 2>&1 | FileCheck %s --check-prefix=NOFN
# RUN: not %t/run_model %t/mlp forward %t/bad.bin 2>&1 | FileCheck %s --check-prefix=SHAPE
# RUN: not %t/run_model %t/refuse forward %t/x5.bin 2>&1 | FileCheck %s --check-prefix=REFUSE
# RUN: %t/run_model %t/embed forward %t/ids.bin | FileCheck %s --check-prefix=IDS
# RUN: not %t/run_model %t/embed forward %t/bad_ids.bin 2>&1 | FileCheck %s --check-prefix=BADIDS
# CHECK: x5: 5x8 bit-exact
# CHECK: x1: 1x8 bit-exact
# NOFN: error: no function @backward in the artifact; it has @forward
# SHAPE: error: @forward argument 0: dimension 1 is 15, expected 16
# REFUSE: error: artifact '{{.*}}refuse': this CPU lacks features the code was compiled for: {{.*}}(unknown to this runtime)
# The token ids of an embedding are checked by quantc_check_args (the code
# does not bound them: id 10 of a 10-row table read past it).
# IDS: result 0 f32 3x4
# BADIDS: error: @forward argument 0: index 10 out of range [0, 10) of the table it indexes
# So is a token count beyond a fixed-size table the model slices to it
# (positions, a causal mask: 9 tokens of an 8-row table read past it).
# RUN: %t/run_model %t/pos forward %t/x5.bin | FileCheck %s --check-prefix=POS
# RUN: not %t/run_model %t/pos forward %t/x9.bin 2>&1 | FileCheck %s --check-prefix=BADPOS
# POS: result 0 f32 5x16
# BADPOS: error: @forward argument 0: dimension 0 is 9, more than the 8 that the function's slices of fixed-size buffers allow
import json
import shutil
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

import quantc
from quantc import reference as ref


def model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8)).eval()


class Positions(nn.Module):
    """x plus a learned position table of 8 rows, sliced to the token count."""

    def __init__(self):
        super().__init__()
        self.pos = nn.Parameter(torch.randn(8, 16))

    def forward(self, x):
        return x + self.pos[:x.shape[0]]


def write_tensor(path, a):
    with open(path, "wb") as f:
        f.write(struct.pack("<q", a.ndim) + struct.pack(f"<{a.ndim}q", *a.shape))
        f.write(np.ascontiguousarray(a).tobytes())


def inputs():
    rng = np.random.default_rng(3)
    return {"x5": rng.standard_normal((5, 16)).astype(np.float32),
            "x1": rng.standard_normal((1, 16)).astype(np.float32)}


def save(d):
    torch.manual_seed(1)
    batches = [(torch.randn(n, 16) * 2,) for n in (4, 10)]
    tm = quantc.from_torch(model(), (torch.randn(10, 16),), dynamic_dims={0: 0})
    tm.calibrate(batches).quantize("w8a8", smoothquant=None)
    tm.compile().save(f"{d}/mlp")
    np.save(f"{d}/stats0.npy", tm.layer_statistics("0"))
    for name, a in inputs().items():
        write_tensor(f"{d}/{name}.bin", a)
    write_tensor(f"{d}/bad.bin", np.zeros((5, 15), np.float32))
    embed = nn.Sequential(nn.Embedding(10, 8), nn.Linear(8, 4)).eval()
    quantc.from_torch(embed, (torch.tensor([1, 2, 3]),), dynamic_dims={0: 0}) \
        .compile().save(f"{d}/embed")
    write_tensor(f"{d}/ids.bin", np.array([0, 9, 4], np.int64))
    write_tensor(f"{d}/bad_ids.bin", np.array([0, 10, 4], np.int64))
    quantc.from_torch(Positions().eval(), (torch.randn(6, 16),), dynamic_dims={0: 0}) \
        .compile().save(f"{d}/pos")
    write_tensor(f"{d}/x9.bin", np.zeros((9, 16), np.float32))
    shutil.copytree(f"{d}/mlp", f"{d}/refuse")
    with open(f"{d}/refuse/manifest.json") as f:
        manifest = json.load(f)
    manifest["cpu_features"].append("quantc-test-feature")
    with open(f"{d}/refuse/manifest.json", "w") as f:
        json.dump(manifest, f)


def layer(x, w, b, relu):
    """Per-token W8A8 of x·Wᵀ + b as quantc runs it (NumPy, quantc.reference)."""
    xs = ref.absmax_scale(x, axis=(1,))
    ws = ref.absmax_scale(w, axis=(1,))
    acc = ref.int_matmul(ref.quantize(x, xs), ref.quantize(w, ws))
    return ref.rescale(acc, xs, ws.reshape(1, -1), bias=b[None, :],
                       activation="relu" if relu else "none")


def check(d):
    m = model()
    w1, b1, w2, b2 = (p.detach().numpy() for p in (m[0].weight, m[0].bias,
                                                    m[2].weight, m[2].bias))
    for name, x in inputs().items():
        want = layer(layer(x, w1, b1, True), w2, b2, False)
        lines = open(f"{d}/out{name[1:]}.txt").read().split("\n")
        header = lines[0].split()
        assert header[:3] == ["result", "0", "f32"], header
        shape = tuple(int(s) for s in header[3].split("x"))
        got = np.array([float(v) for v in lines[1:] if v], np.float32).reshape(shape)
        assert got.shape == want.shape, (got.shape, want.shape)
        assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), \
            np.abs(got - want).max()
        print(f"{name}: {header[3]} bit-exact")


if __name__ == "__main__":
    {"save": save, "check": check}[sys.argv[1]](sys.argv[2])
