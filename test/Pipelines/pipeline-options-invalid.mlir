// Every pipeline option outside its documented domain is an "error:" and
// exit code 1 (issue 15: negative values were silently ignored, tma=1 on
// sm_80 too, and an unknown cpu exited 1 without "error:").
// RUN: not quantc-opt %s --quantc-cpu-pipeline="cpu=arm" 2>&1 | FileCheck %s --check-prefix=CPU
// RUN: not quantc-opt %s --quantc-cpu-pipeline="vnni-mr=-3" 2>&1 | FileCheck %s --check-prefix=MR
// RUN: not quantc-opt %s --quantc-cpu-pipeline="vnni-kunroll=-1" 2>&1 | FileCheck %s --check-prefix=KU
// RUN: not quantc-opt %s --quantc-cpu-pipeline="vnni-parallel-min-macs=-7" 2>&1 | FileCheck %s --check-prefix=MACS
// RUN: quantc-opt %s --quantc-cpu-pipeline="vnni-parallel-min-macs=-1" -o /dev/null
// RUN: not quantc-opt %s --quantc-cpu-pipeline="vnni-small-m=-2" 2>&1 | FileCheck %s --check-prefix=SMALLM
// RUN: not quantc-opt %s --quantc-cpu-pipeline="vnni-small-m=65" 2>&1 | FileCheck %s --check-prefix=SMALLM65
// RUN: quantc-opt %s --quantc-cpu-pipeline="vnni-small-m=0" -o /dev/null
// RUN: not quantc-opt %s --quantc-gpu-pipeline="chip=sm_80 tma=1" 2>&1 | FileCheck %s --check-prefix=TMA
// RUN: not quantc-opt %s --quantc-gpu-pipeline="tile-m=-64" 2>&1 | FileCheck %s --check-prefix=TILE
// RUN: not quantc-opt %s --pass-pipeline="builtin.module(quantc-cpu-pipeline{vnni-nr=-2})" 2>&1 | FileCheck %s --check-prefix=NR

// CPU: for the --cpu option: Cannot find option named 'arm'!
// CPU: error: invalid options 'cpu=arm' for --quantc-cpu-pipeline; it takes cpu=host|vnni|vnni-emulated|amx|amx-emulated|avx2|generic
// MR: error: --quantc-cpu-pipeline: vnni-mr must be >= 0 (0: the default), got -3
// KU: error: --quantc-cpu-pipeline: vnni-kunroll must be >= 0 (0: the default), got -1
// MACS: error: --quantc-cpu-pipeline: vnni-parallel-min-macs must be a number of multiply-adds >= 0, -1 (never parallel) or -2 (the default), got -7
// SMALLM: error: --quantc-cpu-pipeline: vnni-small-m must be a number of rows in [0, 64] (0: never) or -1 (the default), got -2
// SMALLM65: error: --quantc-cpu-pipeline: vnni-small-m must be a number of rows in [0, 64] (0: never) or -1 (the default), got 65
// TMA: error: --quantc-gpu-pipeline: tma=1 needs chip=sm_90a
// TILE: error: --quantc-gpu-pipeline: tile-m must be >= 0 (0: automatic), got -64
// NR: error: --quantc-cpu-pipeline: vnni-nr must be >= 0 (0: the default), got -2
func.func @f() {
  return
}
