#!/usr/bin/env python3
"""Compiles one quantc int8 GEMM per benchmark shape (and tiling variant) with
--quantc-gpu-pipeline="format=bin", extracts the cubin from the gpu.binary and
writes MANIFEST lines for bench_gemm: label M N K grid block smem cubin kernel
tmaBoxA tmaBoxB gridY workspaceElems (manifest.txt), and the decode shapes
(M = 1..16) with and without the split-K kernel to manifest_splitk.txt.

usage: gen_kernels.py QUANTC_OPT OUTDIR [--chip sm_90] [--quick]
       gen_kernels.py QUANTC_OPT OUTDIR --program FILE.mlir "OPTS" LABEL
         (only the cubin of one program's kernels: OUTDIR/LABEL.cubin)
"""
import os
import re
import subprocess
import sys

SHAPES = [  # (M, N, K)
    (4096, 4096, 4096),
    (8192, 8192, 8192),
    (512, 4096, 4096), (512, 11008, 4096),
    (4096, 11008, 4096),
]
# Tiling variants tried on the large shapes (tile-m, tile-n, tile-k, warp-m,
# warp-n, stages); "auto" is the pass's own heuristic.
VARIANTS = {
    # mma.sync m16n8k32 (chip=sm_90): the pass's heuristic, and the tiling
    # that measured best on the H100 (128x256x128, 4 stages).
    "auto": None,
    "128x256x128w64x64s4": (128, 256, 128, 64, 64, 4),
    # wgmma m64nNk32 s8 (chip=sm_90a): heuristic (128x256, 4 stages) and two
    # alternatives. Shapes wgmma does not tile (M = 16) fall back to mma.sync.
    "wgmma": ("sm_90a", None),
    "wgmma256x128s4": ("sm_90a", (256, 128, 128, 64, 128, 4)),
    "wgmma128x128s5": ("sm_90a", (128, 128, 128, 64, 128, 5)),
    "wgmma128x128s3": ("sm_90a", (128, 128, 128, 64, 128, 3)),
    # wgmma with TMA + mbarriers (tma=1).
    "wgmmatma": ("sm_90a+tma", None),
}

# FP8 W8A8 (E4M3 x E4M3 -> f32, wgmma e4m3 on sm_90a only): the shapes of
# issue 22 item 5, written to manifest_fp8.txt (device_run.sh times them
# against cuBLASLt FP8).
SHAPES_FP8 = [(4096, 4096, 4096), (4096, 11008, 4096), (512, 4096, 4096)]
VARIANTS_FP8 = {
    "f8wgmma": ("sm_90a", None),
    "f8wgmmatma": ("sm_90a+tma", None),
}

PROGRAM_FP8 = """func.func @gemm(%x: tensor<{m}x{k}xf8E4M3FN>, %w: tensor<{n}x{k}xf8E4M3FN>) -> tensor<{m}x{n}xf32> {{
  %acc = quantc.matmul %x, %w : tensor<{m}x{k}xf8E4M3FN>, tensor<{n}x{k}xf8E4M3FN> -> tensor<{m}x{n}xf32>
  return %acc : tensor<{m}x{n}xf32>
}}
"""

# Decode shapes (weights read once: memory-bound), timed cold by device_run.sh.
DECODE_SHAPES = [(m, n, 4096) for m in (1, 4, 8, 16) for n in (4096, 11008)]
# "auto": the split-K kernel with the pass's split count; "nosplit": the
# mma.sync kernel it replaces (split-k=-1); forced split counts around it.
DECODE_VARIANTS = {"auto": 0, "nosplit": -1, "s4": 4, "s12": 12, "s16": 16}

PROGRAM = """func.func @gemm(%x: tensor<{m}x{k}xi8>, %w: tensor<{n}x{k}xi8>) -> tensor<{m}x{n}xi32> {{
  %acc = quantc.matmul %x, %w : tensor<{m}x{k}xi8>, tensor<{n}x{k}xi8> -> tensor<{m}x{n}xi32>
  return %acc : tensor<{m}x{n}xi32>
}}
"""


def unescape(s):
    out = bytearray()
    b = s.encode("latin1")
    i = 0
    while i < len(b):
        if b[i] == 92:  # backslash
            if b[i + 1] == 92:
                out.append(92)
                i += 2
            else:
                out.append(int(b[i + 1:i + 3], 16))
                i += 3
        else:
            out.append(b[i])
            i += 1
    return bytes(out)


def write_cubin(opt, src, opts, path, env=None):
    """Compiles the MLIR program `src` with --quantc-gpu-pipeline="OPTS
    format=bin" and writes the cubin of its gpu.binary (all its kernels) to
    PATH. False, with a `skip` line, when the pipeline refuses the
    program."""
    r = subprocess.run([opt, "-", f"--quantc-gpu-pipeline={opts} format=bin"],
                       input=src, capture_output=True, text=True,
                       encoding="latin1", env=env)
    binm = None if r.returncode else re.search(r'bin = "((?:[^"\\]|\\.)*)"',
                                                r.stdout)
    if not binm:
        why = r.stderr.strip().splitlines()[0] if r.stderr.strip() else "no gpu.binary"
        print(f"skip {os.path.basename(path)}: {why}")
        return False
    with open(path, "wb") as f:
        f.write(unescape(binm.group(1)))
    return True


def compile_cubin(opt, src, opts, outdir, label, env=None):
    """Compiles the MLIR program `src` with --quantc-gpu-pipeline="OPTS
    format=bin", writes its cubin to OUTDIR/LABEL.cubin and returns (launch,
    ir): the fields of the launch wrapper's #quantc.gpu_launch<...> as a dict
    (grid [x, y, z], block x, smem bytes, kernel name, tma_box or None) and
    the IR of --convert-quantc-to-gpu=OPTS (which keeps that attribute and
    the wrappers' signatures). None, with a `skip` line, when the pipeline
    refuses the program."""
    if not write_cubin(opt, src, opts, os.path.join(outdir, label + ".cubin"),
                       env):
        return None
    r = subprocess.run([opt, "-", f"--convert-quantc-to-gpu={opts}"],
                       input=src, capture_output=True, text=True,
                       encoding="latin1", env=env, check=True)
    text = re.search(r"#quantc\.gpu_launch<([^<>]*)>", r.stdout).group(1)
    box = re.search(r"tma_box = \[(\d+), (\d+), (\d+)\]", text)
    launch = {
        "grid": [int(g) for g in
                 re.search(r"grid = \[(\d+), (\d+), (\d+)\]", text).groups()],
        "block": int(re.search(r"block = \[(\d+)", text).group(1)),
        "smem": int(re.search(r"shared_bytes = (\d+)", text).group(1)),
        "kernel": re.search(r"kernel = @quantc_kernels::@(\w+)", text).group(1),
        "tma_box": [int(b) for b in box.groups()] if box else None,
    }
    return launch, r.stdout


def compile_one(opt, outdir, label, m, n, k, chip, variant, env=None,
                program=None, split_k=0):
    """One 2-D GEMM kernel: its bench_gemm manifest line, or None."""
    tma = False
    if variant and variant[0] in ("sm_90a", "sm_90a+tma"):
        tma = variant[0] == "sm_90a+tma"
        chip, variant = "sm_90a", variant[1]
    opts = f"chip={chip}" + (" tma=1" if tma else "")
    if split_k:
        opts += f" split-k={split_k}"
    if variant:
        tm, tn, tk, wm, wn, st = variant
        opts += f" tile-m={tm} tile-n={tn} tile-k={tk} warp-m={wm} warp-n={wn} stages={st}"
    src = (program or PROGRAM).format(m=m, n=n, k=k)
    got = compile_cubin(opt, src, opts, outdir, label, env)
    if not got:
        return None
    launch, ir = got
    box = launch["tma_box"]
    tma_cols = f"{box[0]} {box[1]}" if box else "0 0"
    # Split-K: the i32 workspace, the wrapper's last argument.
    ws = re.search(r"@__quantc_launch_\w+\([^)]*memref<(\d+)xi32>\)", ir)
    split_cols = f"{launch['grid'][1]} {ws.group(1) if ws else 0}"
    return (f"{label} {m} {n} {k} {launch['grid'][0]} {launch['block']} "
            f"{launch['smem']} {label}.cubin {launch['kernel']} "
            f"{tma_cols} {split_cols}")


def main():
    opt, outdir = sys.argv[1], sys.argv[2]
    if sys.argv[3:4] == ["--program"]:
        # The kernels of one AOT program (device_run.sh's SASS step):
        # --program FILE.mlir "OPTS" LABEL -> OUTDIR/LABEL.cubin.
        path, opts, label = sys.argv[4:7]
        with open(path, encoding="latin1") as f:
            src = f.read()
        os.makedirs(outdir, exist_ok=True)
        sys.exit(0 if write_cubin(opt, src, opts,
                                  os.path.join(outdir, label + ".cubin"))
                 else 1)
    chip = "sm_90"
    if "--chip" in sys.argv:
        chip = sys.argv[sys.argv.index("--chip") + 1]
    quick = "--quick" in sys.argv
    os.makedirs(outdir, exist_ok=True)
    lines = []
    for (m, n, k) in SHAPES:
        for vname, v in VARIANTS.items():
            if v and not str(v[0]).startswith("sm_90a") and (m < 1024 or quick):
                continue  # skinny shapes: heuristic only
            if v and str(v[0]).startswith("sm_90a") and v[1] and (m < 1024 or quick):
                continue
            label = f"q{m}x{n}x{k}_{vname}"
            line = compile_one(opt, outdir, label, m, n, k, chip, v)
            if line:
                lines.append(line)
                print(line)
    with open(os.path.join(outdir, "manifest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    # FP8: the same columns and a last one, the element type.
    lines = []
    for (m, n, k) in SHAPES_FP8:
        for vname, v in VARIANTS_FP8.items():
            label = f"q{m}x{n}x{k}_{vname}"
            line = compile_one(opt, outdir, label, m, n, k, chip, v,
                               program=PROGRAM_FP8)
            if line:
                lines.append(line + " fp8")
                print(line + " fp8")
    with open(os.path.join(outdir, "manifest_fp8.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    decode = []
    for (m, n, k) in DECODE_SHAPES:
        for vname, split_k in DECODE_VARIANTS.items():
            if quick and vname not in ("auto", "nosplit"):
                continue
            label = f"q{m}x{n}x{k}_{vname}"
            line = compile_one(opt, outdir, label, m, n, k, chip, None,
                               split_k=split_k)
            if line:
                decode.append(line)
                print(line)
    with open(os.path.join(outdir, "manifest_splitk.txt"), "w") as f:
        f.write("\n".join(decode) + "\n")


if __name__ == "__main__":
    main()
