// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="parallel-min-macs=0" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86 -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=SERIAL
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="parallel-min-macs=0 panel-block-kib=1" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=PANELS

// A parallel GEMM whose packed weight is one L2 block splits its rows, not
// its panels: a convolution's [N * OH * OW, 9 * C] x [9 * C, F] has tens of
// thousands of rows and one or two panels. Blocks of 64 rows (at least 64,
// about M / 32, a multiple of 16, preferably dividing M) in a quantc.x86_rows
// loop, each a single-threaded kernel on its rows of A, of the per-row
// scale and of the output, the call marked with its work (64 * 40 * 37 / 64
// vector instructions) for --quantc-x86-outline-rows; the 44 rows left run
// through a 44-row kernel after the loop, on the calling thread. One packed
// weight for both.
// CHECK-LABEL: func.func @rows_tail
// CHECK-SAME: (%[[X:.+]]: tensor<300x37xi8>, %[[XS:.+]]: tensor<300x1xf32>, %[[WS:.+]]: tensor<1x40xf32>)
// CHECK-DAG: %[[A:.+]] = bufferization.to_buffer %[[X]]
// CHECK-DAG: %[[W:.+]] = memref.get_global @[[$W:__quantc_x86_w[_0-9]*]]
// CHECK-DAG: %[[S:.+]] = bufferization.to_buffer %[[XS]]
// CHECK: %[[O:.+]] = memref.alloc() {alignment = 64 : i64} : memref<300x40xf32>
// CHECK: scf.for %[[I:.+]] = %c0 to %c4 step %c1 {
// CHECK: %[[OFF:.+]] = arith.muli %[[I]], %c64
// CHECK: memref.subview %[[A]][%[[OFF]], 0] [64, 37] [1, 1]
// CHECK: memref.subview %[[S]][%[[OFF]], 0] [64, 1] [1, 1]
// CHECK: memref.subview %[[O]][%[[OFF]], 0] [64, 40] [1, 1]
// CHECK: func.call @[[BLOCK:__quantc_x86_gemm[_0-9]*]]({{.*}}%[[W]]{{.*}}) {quantc.x86_row_call_work = 1480 : i64}
// CHECK: } {quantc.x86_rows}
// CHECK: memref.subview %[[A]][%c256, 0] [44, 37] [1, 1]
// CHECK: memref.subview %[[S]][%c256, 0] [44, 1] [1, 1]
// CHECK: memref.subview %[[O]][%c256, 0] [44, 40] [1, 1]
// CHECK: call @[[TAIL:__quantc_x86_gemm[_0-9]*]]({{.*}}%[[W]]
// CHECK-NOT: quantc.x86_row_call_work
// CHECK: func.func private @[[BLOCK]]({{.*}}quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 64, n = 40, k = 37, {{.*}}parallel = false
// CHECK: func.func private @[[TAIL]]({{.*}}quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 44, n = 40, k = 37, {{.*}}parallel = false
// A serial plan (too few multiply-adds for parallel-min-macs) keeps one call.
// SERIAL-LABEL: func.func @rows_tail
// SERIAL-NOT: scf.for
// SERIAL: call @{{.*}} : (memref<300x37xi8>
// SERIAL-NOT: scf.for
// SERIAL: return
func.func @rows_tail(%x: tensor<300x37xi8>, %xs: tensor<300x1xf32>, %ws: tensor<1x40xf32>) -> tensor<300x40xf32> {
  %w = arith.constant dense<3> : tensor<40x37xi8>
  %acc = quantc.matmul %x, %w : tensor<300x37xi8>, tensor<40x37xi8> -> tensor<300x40xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<300x40xi32>, tensor<300x1xf32>, tensor<1x40xf32>) -> tensor<300x40xf32>
  return %y : tensor<300x40xf32>
}

// -----

// 1024 rows: blocks of 64 divide M (no tail).
// CHECK-LABEL: func.func @rows_exact
// CHECK: scf.for %{{.+}} = %c0 to %c16 step %c1 {
// CHECK: func.call @{{.*}} {quantc.x86_row_call_work = 512 : i64}
// CHECK: } {quantc.x86_rows}
// CHECK-NEXT: bufferization.to_tensor
func.func @rows_exact(%x: tensor<1024x32xi8>) -> tensor<1024x16xi32> {
  %w = arith.constant dense<-2> : tensor<16x32xi8>
  %acc = quantc.matmul %x, %w : tensor<1024x32xi8>, tensor<16x32xi8> -> tensor<1024x16xi32>
  return %acc : tensor<1024x16xi32>
}

// -----

// Fewer than two blocks of rows: the panel split.
// CHECK-LABEL: func.func @few_rows
// CHECK-NOT: scf.for
// CHECK: m = 100, n = 16, k = 32, {{.*}}parallel = true
func.func @few_rows(%x: tensor<100x32xi8>) -> tensor<100x16xi32> {
  %w = arith.constant dense<-2> : tensor<16x32xi8>
  %acc = quantc.matmul %x, %w : tensor<100x32xi8>, tensor<16x32xi8> -> tensor<100x16xi32>
  return %acc : tensor<100x16xi32>
}

// -----

// A run-time weight is packed by the kernel per call: its panels split.
// CHECK-LABEL: func.func @runtime_weight
// CHECK-NOT: scf.for
// CHECK: m = 512, n = 16, k = 32, {{.*}}parallel = true
func.func @runtime_weight(%x: tensor<512x32xi8>, %w: tensor<16x32xi8>) -> tensor<512x16xi32> {
  %acc = quantc.matmul %x, %w : tensor<512x32xi8>, tensor<16x32xi8> -> tensor<512x16xi32>
  return %acc : tensor<512x16xi32>
}

// -----

// A weight of several L2 blocks (panel-block-kib=1: one panel of 64
// columns each) splits its panels: splitting its rows would read the whole
// weight from memory once per block.
// CHECK-LABEL: func.func @wide_weight
// CHECK: } {quantc.x86_rows}
// PANELS-LABEL: func.func @wide_weight
// PANELS-NOT: scf.for
// PANELS: m = 300, n = 200, k = 37, {{.*}}panel_block = 1, parallel = true
func.func @wide_weight(%x: tensor<300x37xi8>) -> tensor<300x200xi32> {
  %w = arith.constant dense<5> : tensor<200x37xi8>
  %acc = quantc.matmul %x, %w : tensor<300x37xi8>, tensor<200x37xi8> -> tensor<300x200xi32>
  return %acc : tensor<300x200xi32>
}
