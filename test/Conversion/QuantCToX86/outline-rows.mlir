// RUN: quantc-opt %s --quantc-x86-outline-rows -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-x86-outline-rows=min-work=-1 -split-input-file | FileCheck %s --check-prefix=OFF
// RUN: not quantc-opt %s --quantc-x86-outline-rows=min-work=-2 -split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// A marked row loop (rows of a [?, 64] result, 4 vectors each) -> the row
// function over [lo, hi), its parallel twin, and a call of the twin when
// rows x (1 + 4 vectors) >= 2048 and there are at least 2 rows, else of the
// function itself. The constant is cloned into the function, the buffers
// passed.
// CHECK-LABEL: func.func @rows(
// CHECK-SAME: %[[X:.+]]: memref<?x64xf32>, %[[Y:.+]]: memref<?x64xf32>
// CHECK-DAG: %[[N:.+]] = memref.dim %[[X]]
// CHECK: %[[WORK:.+]] = arith.muli %[[N]], %{{.+}} : index
// CHECK: %[[ENOUGH:.+]] = arith.cmpi sge, %[[WORK]], %{{.+}} : index
// CHECK: %[[SEVERAL:.+]] = arith.cmpi sge, %[[N]], %{{.+}} : index
// CHECK: %[[SPLIT:.+]] = arith.andi %[[ENOUGH]], %[[SEVERAL]]
// CHECK: scf.if %[[SPLIT]] {
// CHECK-NEXT: func.call @__quantc_x86_rows_team(%[[X]], %[[Y]], %{{.+}}, %[[N]])
// CHECK-NEXT: } else {
// CHECK-NEXT: func.call @__quantc_x86_rows(%[[X]], %[[Y]], %{{.+}}, %[[N]])
// CHECK-NOT: scf.for
// CHECK: return
// CHECK: func.func private @__quantc_x86_rows(%[[A:.+]]: memref<?x64xf32>, %[[B:.+]]: memref<?x64xf32>, %[[LO:.+]]: index, %[[HI:.+]]: index) attributes {llvm.linkage = #llvm.linkage<internal>}
// CHECK: arith.constant 0.000000e+00 : f32
// CHECK: scf.for %[[I:.+]] = %[[LO]] to %[[HI]]
// CHECK: scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %{{.+}}
// CHECK: vector.transfer_read %[[A]][%[[I]], %[[J]]]
// CHECK: vector.transfer_write %{{.+}}, %[[B]][%[[I]], %[[J]]]
// CHECK: func.func private @__quantc_x86_rows_team(
// CHECK-SAME: quantc.x86_parallel
// CHECK: call @__quantc_x86_rows(
// OFF-LABEL: func.func @rows(
// OFF: scf.for
// OFF-NOT: quantc.x86_rows
// OFF-NOT: func.call
// BAD: quantc-x86-outline-rows: min-work must be >= 0 or -1 (never split), got -2
func.func @rows(%x: memref<?x64xf32>, %y: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %pad = arith.constant 0.0 : f32
  %n = memref.dim %x, %c0 : memref<?x64xf32>
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %c64 step %c16 {
      %v = vector.transfer_read %x[%i, %j], %pad {in_bounds = [true]} : memref<?x64xf32>, vector<16xf32>
      %w = arith.addf %v, %v : vector<16xf32>
      vector.transfer_write %w, %y[%i, %j] {in_bounds = [true]} : vector<16xf32>, memref<?x64xf32>
    }
  } {quantc.x86_rows}
  return
}

// -----

// A loop that writes other than at its row stays, with a remark.
// CHECK-LABEL: func.func @shared_write
// CHECK: scf.for
// CHECK-NOT: func.call
func.func @shared_write(%x: memref<?x16xf32>, %acc: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %pad = arith.constant 0.0 : f32
  %n = memref.dim %x, %c0 : memref<?x16xf32>
  // expected-remark @below {{the rows of this loop run on one thread: the loop writes with vector.transfer_write other than at its row}}
  scf.for %i = %c0 to %n step %c1 {
    %v = vector.transfer_read %x[%i, %c0], %pad {in_bounds = [true]} : memref<?x16xf32>, vector<16xf32>
    vector.transfer_write %v, %acc[%c0] {in_bounds = [true]} : vector<16xf32>, memref<16xf32>
  } {quantc.x86_rows}
  return
}

// -----

// A loop that allocates stays, with a remark.
// CHECK-LABEL: func.func @allocates
// CHECK: scf.for
// CHECK-NOT: func.call
func.func @allocates(%x: memref<?x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?x16xf32>
  // expected-remark @below {{the rows of this loop run on one thread: the loop allocates or frees memory}}
  scf.for %i = %c0 to %n step %c1 {
    %t = memref.alloca() : memref<16xf32>
    %z = arith.constant 0.0 : f32
    memref.store %z, %t[%c0] : memref<16xf32>
  } {quantc.x86_rows}
  return
}

// -----

// A loop that carries a value from row to row, or starts elsewhere than 0,
// stays, with a remark.
// CHECK-LABEL: func.func @carries
// CHECK-NOT: func.call
func.func @carries(%x: memref<?xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  // expected-remark @below {{the rows of this loop run on one thread: the loop carries a value from row to row}}
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%a = %z) -> f32 {
    %v = memref.load %x[%i] : memref<?xf32>
    %b = arith.addf %a, %v : f32
    scf.yield %b : f32
  } {quantc.x86_rows}
  // expected-remark @below {{the rows of this loop run on one thread: the loop does not start at 0 with step 1}}
  scf.for %i = %c1 to %n step %c1 {
    memref.store %z, %x[%i] : memref<?xf32>
  } {quantc.x86_rows}
  return %s : f32
}

// -----

// A GEMM kernel's blocks of rows (--quantc-lower-matmul-to-x86 splits a
// small weight's GEMM so): the call carries its work, which the loop's work
// counts (4 blocks x (1 + 1480) = 5924 >= 2048: the team).
// CHECK-LABEL: func.func @gemm_blocks
// CHECK: %[[C4:.+]] = arith.constant 4 : index
// CHECK: %[[C1480:.+]] = arith.constant 1480 : index
// CHECK: %[[BODY:.+]] = arith.addi %{{.+}}, %[[C1480]] : index
// CHECK: %[[WORK:.+]] = arith.muli %[[C4]], %[[BODY]] : index
// CHECK: arith.cmpi sge, %[[WORK]]
// CHECK: func.call @__quantc_x86_rows_team
// CHECK: func.func private @__quantc_x86_rows(
// CHECK: scf.for
// CHECK: func.call @kernel({{.*}}) {quantc.x86_row_call_work = 1480 : i64}
// OFF-LABEL: func.func @gemm_blocks
// OFF: scf.for
// OFF-NOT: quantc.x86_rows}
func.func private @kernel(memref<64x37xi8, strided<[?, 1], offset: ?>>, memref<64x40xi32, strided<[?, 1], offset: ?>>)
func.func @gemm_blocks(%a: memref<256x37xi8>, %o: memref<256x40xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %off = arith.muli %i, %c64 : index
    %sa = memref.subview %a[%off, 0] [64, 37] [1, 1] : memref<256x37xi8> to memref<64x37xi8, strided<[37, 1], offset: ?>>
    %ca = memref.cast %sa : memref<64x37xi8, strided<[37, 1], offset: ?>> to memref<64x37xi8, strided<[?, 1], offset: ?>>
    %so = memref.subview %o[%off, 0] [64, 40] [1, 1] : memref<256x40xi32> to memref<64x40xi32, strided<[40, 1], offset: ?>>
    %co = memref.cast %so : memref<64x40xi32, strided<[40, 1], offset: ?>> to memref<64x40xi32, strided<[?, 1], offset: ?>>
    func.call @kernel(%ca, %co) {quantc.x86_row_call_work = 1480 : i64} : (memref<64x37xi8, strided<[?, 1], offset: ?>>, memref<64x40xi32, strided<[?, 1], offset: ?>>) -> ()
  } {quantc.x86_rows}
  return
}

// -----

// Any other call may write anywhere: the loop stays, with a remark.
// CHECK-LABEL: func.func @opaque_call
// CHECK: scf.for
// CHECK: func.call @kernel
// CHECK-NOT: __quantc_x86_rows
func.func private @kernel(memref<64x37xi8, strided<[?, 1], offset: ?>>)
func.func @opaque_call(%a: memref<256x37xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  // expected-remark @below {{the rows of this loop run on one thread: the loop calls func.call}}
  scf.for %i = %c0 to %c4 step %c1 {
    %off = arith.muli %i, %c64 : index
    %sa = memref.subview %a[%off, 0] [64, 37] [1, 1] : memref<256x37xi8> to memref<64x37xi8, strided<[37, 1], offset: ?>>
    %ca = memref.cast %sa : memref<64x37xi8, strided<[37, 1], offset: ?>> to memref<64x37xi8, strided<[?, 1], offset: ?>>
    func.call @kernel(%ca) : (memref<64x37xi8, strided<[?, 1], offset: ?>>) -> ()
  } {quantc.x86_rows}
  return
}

// -----

// A read at an index computed from the row (an im2col gather's oh + kh,
// rows of a sliding window) reads other rows: allowed from a buffer the
// loop does not write (here a distinct allocation).
// CHECK-LABEL: func.func @window_rows
// CHECK: func.call @__quantc_x86_rows_team
// CHECK: func.func private @__quantc_x86_rows(
// OFF-LABEL: func.func @window_rows
func.func @window_rows(%y: memref<8x3x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %c16 = arith.constant 16 : index
  %pad = arith.constant 0.0 : f32
  %x = memref.alloc() : memref<10x64xf32>
  linalg.fill ins(%pad : f32) outs(%x : memref<10x64xf32>)
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %k = %c0 to %c3 step %c1 {
      scf.for %j = %c0 to %c64 step %c16 {
        %r = arith.addi %i, %k : index
        %v = vector.transfer_read %x[%r, %j], %pad {in_bounds = [true]} : memref<10x64xf32>, vector<16xf32>
        vector.transfer_write %v, %y[%i, %k, %j] {in_bounds = [true]} : vector<16xf32>, memref<8x3x64xf32>
      }
    }
  } {quantc.x86_rows}
  memref.dealloc %x : memref<10x64xf32>
  return
}

// -----

// The same reads of the buffer the loop writes (through a view): another
// row's iteration may have written them.
// CHECK-LABEL: func.func @window_rows_in_place
// CHECK-NOT: func.call
func.func @window_rows_in_place() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %c16 = arith.constant 16 : index
  %pad = arith.constant 0.0 : f32
  %x = memref.alloc() : memref<10x64xf32>
  %y = memref.subview %x[0, 0] [8, 64] [1, 1] : memref<10x64xf32> to memref<8x64xf32, strided<[64, 1]>>
  // expected-remark @below {{the rows of this loop run on one thread: the loop reads other rows (at indices computed from its row) of a buffer it may write}}
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %c64 step %c16 {
      %r = arith.addi %i, %c1 : index
      %v = vector.transfer_read %x[%r, %j], %pad {in_bounds = [true]} : memref<10x64xf32>, vector<16xf32>
      vector.transfer_write %v, %y[%i, %j] {in_bounds = [true]} : vector<16xf32>, memref<8x64xf32, strided<[64, 1]>>
    }
  } {quantc.x86_rows}
  memref.dealloc %x : memref<10x64xf32>
  return
}

// -----

// Two function arguments may be one buffer.
// CHECK-LABEL: func.func @window_rows_arguments
// CHECK-NOT: func.call
func.func @window_rows_arguments(%x: memref<10x64xf32>, %y: memref<8x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %c16 = arith.constant 16 : index
  %pad = arith.constant 0.0 : f32
  // expected-remark @below {{the rows of this loop run on one thread: the loop reads other rows (at indices computed from its row) of a buffer it may write}}
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %c64 step %c16 {
      %r = arith.addi %i, %c1 : index
      %v = vector.transfer_read %x[%r, %j], %pad {in_bounds = [true]} : memref<10x64xf32>, vector<16xf32>
      vector.transfer_write %v, %y[%i, %j] {in_bounds = [true]} : vector<16xf32>, memref<8x64xf32>
    }
  } {quantc.x86_rows}
  return
}

// -----

// A read through a view placed by the row (its offset row + 1), of the
// buffer the loop writes: refused like an index computed from the row.
// CHECK-LABEL: func.func @view_placed_by_row
// CHECK-NOT: func.call
func.func @view_placed_by_row() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %pad = arith.constant 0.0 : f32
  %x = memref.alloc() : memref<10x16xf32>
  // expected-remark @below {{the rows of this loop run on one thread: the loop reads other rows (at indices computed from its row) of a buffer it may write}}
  scf.for %i = %c0 to %c8 step %c1 {
    %r = arith.addi %i, %c1 : index
    %v0 = memref.subview %x[%r, 0] [1, 16] [1, 1] : memref<10x16xf32> to memref<1x16xf32, strided<[16, 1], offset: ?>>
    %v = vector.transfer_read %v0[%c0, %c0], %pad {in_bounds = [true]} : memref<1x16xf32, strided<[16, 1], offset: ?>>, vector<16xf32>
    vector.transfer_write %v, %x[%i, %c0] {in_bounds = [true]} : vector<16xf32>, memref<10x16xf32>
  } {quantc.x86_rows}
  memref.dealloc %x : memref<10x16xf32>
  return
}
