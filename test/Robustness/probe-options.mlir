// quantc-probe reads --threads and --mib strictly: the whole argument a
// decimal integer within range (threads: at most 4 per hardware thread; MiB:
// at most this machine's memory), else a clear error and exit status 2, not
// an abort (std::length_error, std::bad_alloc), a hang (an atoi overflow to a
// billion threads) or a silent misreading ("1e3" as 1).
// RUN: not quantc-probe --mib 99999999999999 --threads 1 2>&1 | FileCheck %s --check-prefix=MIB-HUGE
// RUN: not quantc-probe --mib 100000000 --threads 1 2>&1 | FileCheck %s --check-prefix=MIB-BIG
// RUN: not quantc-probe --mib 99999999999999999999999 --threads 1 2>&1 | FileCheck %s --check-prefix=MIB-OVERFLOW
// RUN: not quantc-probe --mib 1 --threads 99999999999 2>&1 | FileCheck %s --check-prefix=THREADS-HUGE
// RUN: not quantc-probe --mib 1 --threads 4294967297 2>&1 | FileCheck %s --check-prefix=THREADS-WRAP
// RUN: not quantc-probe --mib 1e3 --threads 1 2>&1 | FileCheck %s --check-prefix=MIB-EXP
// RUN: not quantc-probe --mib 1 --threads 1x 2>&1 | FileCheck %s --check-prefix=THREADS-SUFFIX
// RUN: not quantc-probe --mib 1 --threads "" 2>&1 | FileCheck %s --check-prefix=THREADS-EMPTY
// RUN: not quantc-probe --mib 1 --threads " 1" 2>&1 | FileCheck %s --check-prefix=THREADS-SPACE
// RUN: not quantc-probe --mib 1 --threads +1 2>&1 | FileCheck %s --check-prefix=THREADS-PLUS
// RUN: not quantc-probe --mib 0 --threads 1 2>&1 | FileCheck %s --check-prefix=MIB-ZERO
// RUN: not quantc-probe --mib 1 --threads -3 2>&1 | FileCheck %s --check-prefix=THREADS-NEG
// RUN: not quantc-probe --name 'a"b' 2>&1 | FileCheck %s --check-prefix=NAME

// MIB-HUGE: quantc-probe: --mib must be an integer from 1 to {{[0-9]+}} (this machine's memory in MiB), got '99999999999999'
// MIB-BIG: quantc-probe: --mib must be an integer from 1 to {{[0-9]+}} (this machine's memory in MiB), got '100000000'
// MIB-OVERFLOW: quantc-probe: --mib must be an integer {{.*}}, got '99999999999999999999999'
// THREADS-HUGE: quantc-probe: --threads must be an integer from 1 to {{[0-9]+}} (4 per hardware thread), got '99999999999'
// THREADS-WRAP: quantc-probe: --threads must be an integer {{.*}}, got '4294967297'
// MIB-EXP: quantc-probe: --mib must be an integer {{.*}}, got '1e3'
// THREADS-SUFFIX: quantc-probe: --threads must be an integer {{.*}}, got '1x'
// THREADS-EMPTY: quantc-probe: --threads must be an integer {{.*}}, got ''
// THREADS-SPACE: quantc-probe: --threads must be an integer {{.*}}, got ' 1'
// THREADS-PLUS: quantc-probe: --threads must be an integer {{.*}}, got '+1'
// MIB-ZERO: quantc-probe: --mib must be an integer from 1 to {{.*}}, got '0'
// THREADS-NEG: quantc-probe: --threads must be an integer from 1 to {{.*}}, got '-3'
// NAME: quantc-probe: --name must be non-empty without quotes
