#!/usr/bin/env python3
"""Pulls the PTX out of --quantc-gpu-pipeline="format=isa" output and puts
PTX (or the host IR around it) in a form that compares equal up to numbering.

usage: ptx_normalize.py extract PIPELINE_OUT.mlir PTX_OUT HOST_OUT
       ptx_normalize.py ptx FILE.ptx       (normalized PTX on stdout)

extract: writes the PTX of the gpu.binary's `assembly = "..."` (unescaped)
to PTX_OUT, and the host IR without the gpu.binary to HOST_OUT, without the
launch attributes of the wrappers (the loose quantc.gpu_* ones or the typed
#quantc.gpu_launch; the launch code itself shows grid, block and shared
memory), so that host IR before and after the typed attribute compares
equal.

ptx: renames virtual registers (%r12, %rd3, %rs1, %f5, %fd2, %p1, %h4, %hh1,
%rq0) per class, and labels ($L__BB0_3), in order of first appearance.
"""
import re
import sys

# MLIR string escapes (a doubled backslash, \XX): the same as the cubin extractor.
from gen_kernels import unescape


# The launch attributes of a wrapper: the loose quantc.gpu_* ones and the
# typed #quantc.gpu_launch (consumed by --quantc-gpu-launch-wrappers, whose
# launch code carries the same grid, block and shared memory).
LAUNCH_ATTRS = re.compile(
    r"quantc\.gpu_(?:block|grid|tma_box) = array<i64: [0-9, ]*>(?:, )?"
    r"|quantc\.gpu_kernel = @[\w:@]+(?:, )?"
    r"|quantc\.gpu_shared_bytes = \d+ : i64(?:, )?"
    r"|quantc\.gpu_launch = #quantc\.gpu_launch<[^<>]*>(?:, )?")


def extract(src, ptx_out, host_out):
    text = open(src, encoding="latin1").read()
    ptx = []
    host = []
    for line in text.splitlines():
        if "gpu.binary" in line:
            for m in re.finditer(r'assembly = "((?:[^"\\]|\\.)*)"', line):
                ptx.append(unescape(m.group(1)).decode("latin1"))
            continue
        line = LAUNCH_ATTRS.sub("", line).replace(" attributes {}", "")
        host.append(line)
    with open(ptx_out, "w", encoding="latin1") as f:
        f.write("\n".join(ptx))
    with open(host_out, "w", encoding="latin1") as f:
        f.write("\n".join(host) + "\n")


REG = re.compile(r"%(rd|rs|rq|r|fd|f|hh|h|p)(\d+)\b")
LABEL = re.compile(r"\$L__[A-Za-z0-9_]+")


def normalize(text):
    regs = {}
    per_class = {}
    labels = {}

    def reg(m):
        key = (m.group(1), m.group(2))
        if key not in regs:
            regs[key] = per_class.get(m.group(1), 0)
            per_class[m.group(1)] = regs[key] + 1
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
