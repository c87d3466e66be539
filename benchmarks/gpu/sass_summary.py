#!/usr/bin/env python3
"""Summarises the SASS of quantc's kernels (`cuobjdump -sass` of each cubin):
per kernel, the Tensor Core instructions (IMMA = int8 mma.sync, IGMMA = int8
wgmma, QGMMA = FP8 wgmma, HGMMA/HMMA = f16/bf16) in the whole kernel and in
its main loop, the loads of the main loop (LDSM, LDGSTS, UTMALDG, 128-bit
LDG), atomics, and the local-memory loads and stores (LDL/STL: spills).

The main loop is the innermost loop (a backward branch and the instructions
from its target up to it) that holds Tensor Core instructions; when several
do, the one with the most. A kernel without such a loop (fully unrolled)
reports `-` for its loop counts.

Verdict per kernel: FAIL when it has local-memory loads/stores, no Tensor
Core instruction at all, or not the expected one, which the label says:
`f8` -> QGMMA; `wgmma` with M >= 128 (the wgmma row tile; smaller M falls
back to mma.sync) -> IGMMA; `aot_*` (an AOT program's kernels) -> any;
else IMMA. The last line is `ALL PASS` or
`N FAILED` (exit status 1).

usage: sass_summary.py [--cuobjdump PATH] SASS_OUTDIR CUBIN...
       sass_summary.py --parse FILE.sass...   (summaries of saved SASS)
       sass_summary.py --self-test            (parses a built-in sample)
Needs only Python 3.
"""
import os
import re
import subprocess
import sys

MMA = ("IMMA", "IGMMA", "QGMMA", "HGMMA", "HMMA")
LOADS = ("LDSM", "LDGSTS", "UTMALDG", "LDG128", "ATOM", "RED", "SYNCS")
INSN = re.compile(r"^\s*/\*([0-9a-f]{4,})\*/\s+(?:@!?U?P[0-9T]+\s+)?([A-Z][A-Z0-9_.]*)(.*?);")
LABEL = re.compile(r"^\s*(\.L_x_\d+|\.L_\w+):")
FUNC = re.compile(r"^\s*Function\s*:\s*(\S+)")
TARGET = re.compile(r"`\((\.L_\w+)\)|\b0x([0-9a-f]+)\b")


def opcode_class(op, rest):
    """The counter an instruction adds to (None for the others)."""
    base = op.split(".")[0]
    if base in MMA or base in ("LDL", "STL", "LDSM", "LDGSTS", "UTMALDG",
                               "ATOM", "ATOMG", "RED", "REDG", "SYNCS"):
        return {"ATOMG": "ATOM", "REDG": "RED"}.get(base, base)
    if base == "LDG" and ".128" in op:
        return "LDG128"
    return None


def parse(text):
    """Kernels of one cuobjdump -sass listing: {name: [(addr, op, rest)]}
    and the label addresses {name: {label: addr}}."""
    kernels, labels, cur, pending = {}, {}, None, []
    for line in text.splitlines():
        m = FUNC.match(line)
        if m:
            cur = m.group(1)
            kernels[cur], labels[cur], pending = [], {}, []
            continue
        if cur is None:
            continue
        m = LABEL.match(line)
        if m:
            pending.append(m.group(1))
            continue
        m = INSN.match(line)
        if m:
            addr = int(m.group(1), 16)
            for lab in pending:
                labels[cur][lab] = addr
            pending = []
            kernels[cur].append((addr, m.group(2), m.group(3)))
    return kernels, labels


def summarise(insns, labels):
    """Counts of the whole kernel and of its main loop (None if none)."""
    total = {}
    for _, op, rest in insns:
        c = opcode_class(op, rest)
        if c:
            total[c] = total.get(c, 0) + 1
    loops = []  # (start, end) address ranges of backward branches
    for addr, op, rest in insns:
        if op.split(".")[0] not in ("BRA", "JMP"):
            continue
        t = TARGET.search(rest)
        if not t:
            continue
        dest = labels.get(t.group(1)) if t.group(1) else int(t.group(2), 16)
        if dest is not None and dest <= addr:
            loops.append((dest, addr))

    def mma_in(lo, hi):
        return sum(1 for a, op, _ in insns
                   if lo <= a <= hi and op.split(".")[0] in MMA)

    with_mma = [lp for lp in loops if mma_in(*lp)]
    innermost = [lp for lp in with_mma
                 if not any(o != lp and lp[0] <= o[0] and o[1] <= lp[1]
                            for o in with_mma)]
    main = None
    if innermost:
        lo, hi = max(innermost, key=lambda lp: (mma_in(*lp), lp[0] - lp[1]))
        main = {"range": (lo, hi)}
        for a, op, rest in insns:
            c = opcode_class(op, rest)
            if c and lo <= a <= hi:
                main[c] = main.get(c, 0) + 1
    return total, main


def expected_mma(label):
    """The Tensor Core instruction a kernel's label promises (None: any;
    the kernels of an AOT program, `aot_*`, mix them)."""
    if label.startswith("aot_"):
        return None
    if "f8" in label:
        return "QGMMA"
    m = re.search(r"(?:^|_)(?:q)?(\d+)x(\d+)x(\d+)(?:x(\d+))?", label)
    rows = None
    if m:  # qMxNxK or BxMxNxK (batched)
        rows = int(m.group(2) if m.group(4) else m.group(1))
    if "wgmma" in label and (rows is None or rows >= 128):
        return "IGMMA"
    return "IMMA"


def report(label, kernels, labels, out):
    """Prints one line per kernel of a cubin; returns the number failed."""
    fails = 0
    if not kernels:
        out.write(f"FAIL {label}: no kernel in the SASS listing\n")
        return 1
    for name, insns in kernels.items():
        total, main = summarise(insns, labels[name])
        mmas = {k: total.get(k, 0) for k in MMA if total.get(k)}
        spills = total.get("LDL", 0) + total.get("STL", 0)
        want = expected_mma(label)
        why = []
        if spills:
            why.append(f"{spills} local-memory loads/stores")
        if not mmas:
            why.append("no Tensor Core instruction")
        elif want and want not in mmas:
            why.append(f"expected {want}")
        loop = "-"
        if main:
            loop = " ".join(f"{k}={main.get(k, 0)}" for k in MMA + LOADS
                            if main.get(k))
            loop += " (%#x-%#x)" % main["range"]
        whole = " ".join(f"{k}={v}" for k, v in mmas.items()) or "MMA=0"
        out.write(f"{'FAIL' if why else 'PASS'} {label} {name}: insns={len(insns)} "
                  f"{whole} LDL/STL={spills} | main loop: {loop}"
                  + (f" | {'; '.join(why)}" if why else "") + "\n")
        fails += bool(why)
    return fails


SAMPLE = """
	code for sm_90
		Function : q_kernel
	.headerflags	@"EF_CUDA_SM90 EF_CUDA_VIRTUAL_SM(EF_CUDA_SM90)"
        /*0000*/                   LDC R1, c[0x0][0x28] ;                /* 0x00000a00ff017b82 */
        /*0010*/                   S2R R0, SR_TID.X ;                    /* 0x0000000000007919 */
        /*0020*/                   IMMA.16832.S8.S8.SAT R4, R8.ROW, R12.COL, R4 ;
.L_x_0:
        /*0030*/                   LDGSTS.E.BYPASS.128 [R2], desc[UR4][R6.64] ;
        /*0040*/                   LDSM.16.M88.4 R8, [R3] ;
        /*0050*/                   IMMA.16832.S8.S8.SAT R16, R8.ROW, R12.COL, R16 ;
        /*0060*/                   IMMA.16832.S8.S8.SAT R20, R8.ROW, R14.COL, R20 ;
        /*0070*/              @!P0 BRA `(.L_x_0) ;
        /*0080*/                   STL [R1], R4 ;
        /*0090*/                   EXIT ;
.L_x_1:
        /*00a0*/                   BRA `(.L_x_1);
		Function : q_other
        /*0000*/                   IGMMA.64x256x32.S8.S8.SAT gdesc[UR4], RZ, !UPT ;
        /*0010*/                   EXIT ;
"""


def self_test():
    """Parses SAMPLE and checks the counts; exits 1 on a wrong count."""
    kernels, labels = parse(SAMPLE)
    total, main = summarise(kernels["q_kernel"], labels["q_kernel"])
    got = (sorted(kernels), total.get("IMMA"), total.get("STL"),
           main and main.get("IMMA"), main and main.get("LDSM"),
           main and main.get("LDGSTS"), main and main["range"],
           summarise(kernels["q_other"], labels["q_other"])[1])
    want = (["q_kernel", "q_other"], 3, 1, 2, 1, 1, (0x30, 0x70), None)
    ok = got == want and expected_mma("q512x4096x4096_wgmma") == "IGMMA" \
        and expected_mma("q16x4096x4096_wgmma") == "IMMA" \
        and expected_mma("qk_decode_32x1x2048x128_wgmma") == "IMMA" \
        and expected_mma("qk128_32x128x128x128_wgmma") == "IGMMA" \
        and expected_mma("q4096x4096x4096_f8wgmma") == "QGMMA" \
        and expected_mma("aot_fp8_tma") is None
    print(f"{'PASS' if ok else 'FAIL'} sass_summary self-test: {got}")
    return 0 if ok else 1


def main(argv):
    if argv[:1] == ["--self-test"]:
        return self_test()
    fails = 0
    if argv[:1] == ["--parse"]:
        for path in argv[1:]:
            with open(path, errors="replace") as f:
                k, lab = parse(f.read())
            fails += report(os.path.basename(path).rsplit(".", 1)[0], k, lab,
                            sys.stdout)
    else:
        tool = "cuobjdump"
        if argv[:1] == ["--cuobjdump"]:
            tool, argv = argv[1], argv[2:]
        if len(argv) < 2:
            sys.exit(__doc__)
        outdir, cubins = argv[0], argv[1:]
        os.makedirs(outdir, exist_ok=True)
        for cubin in cubins:
            label = os.path.basename(cubin).rsplit(".", 1)[0]
            r = subprocess.run([tool, "-sass", cubin], capture_output=True,
                               text=True, errors="replace")
            if r.returncode:
                print(f"FAIL {label}: cuobjdump exited with {r.returncode}: "
                      f"{r.stderr.strip()[:200]}")
                fails += 1
                continue
            with open(os.path.join(outdir, label + ".sass"), "w") as f:
                f.write(r.stdout)
            k, lab = parse(r.stdout)
            fails += report(label, k, lab, sys.stdout)
            sys.stdout.flush()
    print("ALL PASS" if not fails else f"{fails} FAILED")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
