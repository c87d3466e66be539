// quantc-aot checks its arguments before the GPU compile: a missing value,
// an unknown option, a second program or a missing MAIN source is a clear
// error with exit status 2 (not "shift: can't shift that many", nor a
// clang++ error after the whole compile).
// RUN: rm -rf %t && mkdir -p "%t/a dir" && cp %s "%t/a dir/prog.mlir" && echo 'int main() {}' > "%t/a dir/main.cpp"
// RUN: not %quantc-aot %s -o 2>&1 | FileCheck %s --check-prefix=NO-O
// RUN: not %quantc-aot %s -o %t/x.o --format 2>&1 | FileCheck %s --check-prefix=NO-FORMAT
// RUN: not %quantc-aot %s --chip -o %t/x.o 2>&1 | FileCheck %s --check-prefix=CHIP-FLAG
// RUN: not %quantc-aot %s -o %t/x.o --fromat isa 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not %quantc-aot %s -o %t/x.o --format ptx 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not %quantc-aot %s -o %t/x.o --chip 90 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not %quantc-aot %s "%t/a dir/prog.mlir" -o %t/x.o 2>&1 | FileCheck %s --check-prefix=TWO
// RUN: not %quantc-aot %s -o %t/x.o isa 2>&1 | FileCheck %s --check-prefix=NO-MAIN
// RUN: not %quantc-aot %s 2>&1 | FileCheck %s --check-prefix=NO-OUT
// RUN: not %quantc-aot -o %t/x.o 2>&1 | FileCheck %s --check-prefix=NO-IN
// Valid arguments (a path with a space included) reach quantc-opt, here a
// stand-in that fails at once: no message from quantc-aot itself.
// RUN: not env QUANTC_OPT=false %quantc-aot "%t/a dir/prog.mlir" "%t/a dir/main.cpp" --chip sm_90a --format isa --tma -o %t/x.exe 2>&1 | FileCheck %s --allow-empty --check-prefix=VALID

// NO-O: quantc-aot: -o needs a value
// NO-O-NEXT: usage: quantc-aot IN.mlir -o OUT
// NO-FORMAT: quantc-aot: --format needs a value
// CHIP-FLAG: quantc-aot: --chip needs a value, got '-o'
// UNKNOWN: quantc-aot: unknown option '--fromat'
// FORMAT: quantc-aot: --format must be bin, fatbin or isa, got 'ptx'
// CHIP: quantc-aot: --chip must be sm_<N> (sm_80, sm_90, sm_90a, ...), got '90'
// TWO: quantc-aot: more than one input program: '{{.*}}aot-options.mlir' and '{{.*}}a dir/prog.mlir'
// NO-MAIN: quantc-aot: no such MAIN source 'isa'
// NO-OUT: quantc-aot: no output (-o OUT)
// NO-IN: quantc-aot: no input program (IN.mlir)
// VALID-NOT: quantc-aot:
