#!/usr/bin/env python3
"""Pulls the PTX out of --quantc-gpu-pipeline="format=isa" output and puts
PTX (or the host IR around it) in a form that compares equal up to numbering.

usage: ptx_normalize.py extract PIPELINE_OUT.mlir PTX_OUT HOST_OUT
       ptx_normalize.py ptx FILE.ptx       (normalized PTX on stdout)

extract: writes the PTX of the gpu.binary's `assembly = "..."` (unescaped)
to PTX_OUT, and the host IR without the gpu.binary to HOST_OUT, with the
launch configuration of every wrapper (the loose quantc.gpu_* attributes or
the typed #quantc.gpu_launch) rewritten to one canonical comment line, so
that host IR before and after the typed attribute compares equal.

ptx: renames virtual registers (%r12, %rd3, %rs1, %f5, %fd2, %p1, %h4, %hh1,
%rq0) per class, and labels ($L__BB0_3), in order of first appearance.
"""
import re
import sys


def unescape(s):
    """MLIR string escapes: \\\\ and \\XX (two hex digits)."""
    out = bytearray()
    b = s.encode("latin1")
    i = 0
    while i < len(b):
        if b[i] == 92:
            if b[i + 1] in b'\\"':
                out.append(b[i + 1])
                i += 2
            elif b[i + 1] == ord("n"):
                out.append(10)
                i += 2
            elif b[i + 1] == ord("t"):
                out.append(9)
                i += 2
            else:
                out.append(int(b[i + 1:i + 3], 16))
                i += 3
        else:
            out.append(b[i])
            i += 1
    return out.decode("latin1")


ARRAY = r"array<i64: ([0-9, ]+)>"
LIST = r"\[([0-9, ]+)\]"


def canonical_launch(attrs):
    """The launch configuration in an attribute dictionary, one line."""
    def find(pattern):
        m = re.search(pattern, attrs)
        return m.group(1).replace(" ", "") if m else "-"

    if "#quantc.gpu_launch<" in attrs:
        kernel = find(r"kernel = (@[\w:@]+)")
        grid = find(r"grid = " + LIST)
        block = find(r"block = " + LIST)
        smem = find(r"shared_bytes = (\d+)")
        tma = find(r"tma_box = " + LIST)
    else:
        kernel = find(r"quantc\.gpu_kernel = (@[\w:@]+)")
        grid = find(r"quantc\.gpu_grid = " + ARRAY)
        block = find(r"quantc\.gpu_block = " + ARRAY)
        smem = find(r"quantc\.gpu_shared_bytes = (\d+)")
        tma = find(r"quantc\.gpu_tma_box = " + ARRAY)
    return (f"LAUNCH kernel={kernel} grid={grid} block={block} "
            f"smem={smem} tma={tma}")


def extract(src, ptx_out, host_out):
    text = open(src, encoding="latin1").read()
    ptx = []
    host = []
    for line in text.splitlines():
        if "gpu.binary" in line:
            for m in re.finditer(r'assembly = "((?:[^"\\]|\\.)*)"', line):
                ptx.append(unescape(m.group(1)))
            continue
        if "quantc.gpu_" in line:
            # The wrapper: signature kept, attributes canonicalized.
            m = re.match(r"(.*?) attributes \{(.*)\}(.*)$", line)
            if m:
                host.append(m.group(1) + m.group(3))
                host.append("  // " + canonical_launch(m.group(2)))
                continue
        host.append(line)
    with open(ptx_out, "w", encoding="latin1") as f:
        f.write("\n".join(ptx))
    with open(host_out, "w", encoding="latin1") as f:
        f.write("\n".join(host) + "\n")


REG = re.compile(r"%(rd|rs|rq|r|fd|f|hh|h|p)(\d+)\b")
LABEL = re.compile(r"\$L__[A-Za-z0-9_]+")


def normalize(text):
    regs = {}
    labels = {}

    def reg(m):
        key = (m.group(1), m.group(2))
        if key not in regs:
            regs[key] = sum(1 for k in regs if k[0] == m.group(1))
        return f"%{m.group(1)}{regs[key]}"

    def label(m):
        if m.group(0) not in labels:
            labels[m.group(0)] = f"$L{len(labels)}"
        return labels[m.group(0)]

    out = []
    for line in text.splitlines():
        line = REG.sub(reg, line)
        line = LABEL.sub(label, line)
        out.append(line)
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "extract":
        extract(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 3 and sys.argv[1] == "ptx":
        sys.stdout.write(normalize(open(sys.argv[2], encoding="latin1").read()))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
