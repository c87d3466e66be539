// The helpers of benchmarks/gpu/device_run.sh that need no GPU:
// sass_summary.py parses its built-in cuobjdump sample (main-loop detection,
// counts, spills, the expected Tensor Core instruction per label) and
// reports a spill and a wrong instruction kind as FAIL; check_dump.py
// rejects missing dumps; aot_io.py (the run_*_checks.py scripts' comparisons)
// passes and fails the outputs of a fake AOT program as it should.
// RUN: %python %quantc_src_root/benchmarks/gpu/sass_summary.py --self-test | FileCheck %s --check-prefix=SELF
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import sys; sys.path.insert(0, '%quantc_src_root/benchmarks/gpu'); import sass_summary as s; open('%t/q16x4096x4096_auto.sass', 'w').write(s.SAMPLE)"
// RUN: not %python %quantc_src_root/benchmarks/gpu/sass_summary.py --parse %t/q16x4096x4096_auto.sass | FileCheck %s --check-prefix=PARSE
// RUN: not %python %quantc_src_root/benchmarks/gpu/check_dump.py %t/missing 1 2 3 | FileCheck %s --check-prefix=DUMP

// RUN: not %python %S/Inputs/aot_io_selftest.py %S/Inputs/fake_aot_program.sh %quantc_src_root/python/quantc %t/io | FileCheck %s --check-prefix=IO
// RUN: not %python %S/Inputs/aot_io_selftest.py false %quantc_src_root/python/quantc %t/io2 2>&1 | FileCheck %s --check-prefix=EXE

// SELF: PASS sass_summary self-test

// IO: fake program ran
// IO: PASS x: bit-exact, 0 bytes differ
// IO-NEXT: FAIL y: bit-exact, 1 bytes differ
// IO-NEXT: PASS f: within 2e-3, max abs err 0.001
// IO-NEXT: FAIL f_tight: within 1e-4, max abs err 0.001
// IO-NEXT: FAIL f_shape: {{.*}}out_f.bin holds 12 elements, expected 16 (4, 4)
// IO-NEXT: PASS h: bit-exact, 0 bytes differ
// IO-NEXT: FAIL t: {{.*}}out_t.bin holds 5 elements, expected 12 (3, 4)
// IO-NEXT: FAIL missing: {{.*}}out_missing.bin is missing
// IO-NEXT: 5 FAILED

// EXE: FAIL: the AOT executable exited with 1

// PARSE: FAIL q16x4096x4096_auto q_kernel: insns=11 IMMA=3 LDL/STL=1 | main loop: IMMA=2 LDSM=1 LDGSTS=1 (0x30-0x70) | 1 local-memory loads/stores
// PARSE: FAIL q16x4096x4096_auto q_other: insns=2 IGMMA=1 LDL/STL=0 | main loop: - | expected IMMA
// PARSE: 2 FAILED

// DUMP: FAIL NumPy check {{.*}}missing: {{.*}}missing.a.bin is missing
