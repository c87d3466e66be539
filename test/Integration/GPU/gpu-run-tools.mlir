// The helpers of benchmarks/gpu/device_run.sh that need no GPU:
// sass_summary.py parses its built-in cuobjdump sample (main-loop detection,
// counts, spills, the expected Tensor Core instruction per label) and
// reports a spill and a wrong instruction kind as FAIL; check_dump.py
// rejects missing dumps.
// RUN: %python %quantc_src_root/benchmarks/gpu/sass_summary.py --self-test | FileCheck %s --check-prefix=SELF
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import sys; sys.path.insert(0, '%quantc_src_root/benchmarks/gpu'); import sass_summary as s; open('%t/q16x4096x4096_auto.sass', 'w').write(s.SAMPLE)"
// RUN: not %python %quantc_src_root/benchmarks/gpu/sass_summary.py --parse %t/q16x4096x4096_auto.sass | FileCheck %s --check-prefix=PARSE
// RUN: not %python %quantc_src_root/benchmarks/gpu/check_dump.py %t/missing 1 2 3 | FileCheck %s --check-prefix=DUMP

// SELF: PASS sass_summary self-test

// PARSE: FAIL q16x4096x4096_auto q_kernel: insns=11 IMMA=3 LDL/STL=1 | main loop: IMMA=2 LDSM=1 LDGSTS=1 (0x30-0x70) | 1 local-memory loads/stores
// PARSE: FAIL q16x4096x4096_auto q_other: insns=2 IGMMA=1 LDL/STL=0 | main loop: - | expected IMMA
// PARSE: 2 FAILED

// DUMP: FAIL NumPy check {{.*}}missing: {{.*}}missing.a.bin is missing
