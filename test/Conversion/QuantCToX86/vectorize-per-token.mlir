// The per-token dynamic quantization as convert-quantc-to-linalg lowers it
// (absmax row reduction, scale, x / scale, round half to even, clamp, trunc
// to i8), on a dynamic token count and rows of 200 (3 groups of 4 whole
// vectors and a masked tail of 8): every step on vector<16xf32>; the
// division stays a division (bit-exact with the scalar reference).
// RUN: quantc-opt %s --pass-pipeline="builtin.module(convert-quantc-to-linalg,canonicalize,cse,func.func(quantc-x86-vectorize-elementwise),canonicalize,cse)" | FileCheck %s
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=vnni | FileCheck %s --check-prefix=LLVM

// CHECK-LABEL: func.func @per_token
// CHECK-DAG: %[[C192:.+]] = arith.constant 192 : index
// CHECK-DAG: %[[NAN:.+]] = arith.constant dense<0xFFC00000> : vector<16xf32>
// CHECK-DAG: %[[M:.+]] = tensor.dim %{{.+}}, %c0 : tensor<?x200xf32>
// Absmax: four accumulators starting at NaN (maxnumf's neutral element)
// over groups of 4 vectors, the masked tail, the accumulators combined, one
// horizontal reduction per row.
// CHECK: scf.for %{{.+}} = %c0 to %[[M]]
// CHECK: %[[ACC:.+]]:4 = scf.for %{{.+}} = %c0 to %[[C192]] step %c64 iter_args(%[[A0:.+]] = %[[NAN]], %[[A1:.+]] = %[[NAN]], %[[A2:.+]] = %[[NAN]], %[[A3:.+]] = %[[NAN]])
// CHECK: math.absf %{{.+}} : vector<16xf32>
// CHECK: arith.maxnumf %[[A0]], %{{.+}} : vector<16xf32>
// CHECK: arith.maxnumf %[[A1]], %{{.+}} : vector<16xf32>
// CHECK: arith.maxnumf %[[A2]], %{{.+}} : vector<16xf32>
// CHECK: arith.maxnumf %[[A3]], %{{.+}} : vector<16xf32>
// CHECK: %[[MASK:.+]] = vector.constant_mask [8] : vector<16xi1>
// CHECK: vector.transfer_read %{{.+}}[%{{.+}}, %[[C192]]], %{{.+}} : tensor<?x200xf32>, vector<16xf32>
// CHECK: %[[T:.+]] = arith.maxnumf %[[ACC]]#0, %{{.+}} : vector<16xf32>
// CHECK: %[[S:.+]] = arith.select %[[MASK]], %[[T]], %[[ACC]]#0
// CHECK: %[[C1:.+]] = arith.maxnumf %[[S]], %[[ACC]]#1
// CHECK: %[[C2:.+]] = arith.maxnumf %[[C1]], %[[ACC]]#2
// CHECK: %[[C3:.+]] = arith.maxnumf %[[C2]], %[[ACC]]#3
// CHECK: vector.reduction <maxnumf>, %[[C3]]
// Scale: absmax / 127 (1 if 0).
// CHECK: arith.divf %{{.+}}, %{{.+}} : vector<16xf32>
// Quantize, in the same row loop (fuse-rows: the row is read back while it
// is in L1): the row's scale broadcast once per row.
// CHECK-NOT: scf.for %{{.+}} = %c0 to %[[M]]
// CHECK: %[[S:.+]] = tensor.extract
// CHECK: %[[SB:.+]] = vector.broadcast %[[S]] : f32 to vector<16xf32>
// CHECK: scf.for %{{.+}} = %c0 to %[[C192]] step %c16
// CHECK: %[[D:.+]] = arith.divf %{{.+}}, %[[SB]] : vector<16xf32>
// CHECK: math.roundeven %[[D]] : vector<16xf32>
// CHECK: arith.maxnumf
// CHECK: arith.minnumf
// CHECK: arith.fptosi %{{.+}} : vector<16xf32> to vector<16xi8>
// CHECK: vector.transfer_write %{{.+}} {in_bounds = [true]} : vector<16xi8>, tensor<?x200xi8>
// CHECK: arith.divf %{{.+}}, %[[SB]] : vector<16xf32>
// CHECK: vector.transfer_write %{{.+}}, %{{.+}}[%{{.+}}, %[[C192]]] : vector<16xi8>, tensor<?x200xi8>
// CHECK: } {quantc.x86_rows}
// CHECK-NOT: linalg.generic

// Through the whole CPU pipeline: vector divisions and rounding, masked
// tail loads and i8 stores, no scalar division left.
// LLVM-LABEL: llvm.func @per_token
// LLVM: llvm.intr.vector.reduce.fmax
// LLVM: llvm.fdiv %{{.+}} : vector<16xf32>
// LLVM: llvm.intr.roundeven(%{{.+}}) : (vector<16xf32>) -> vector<16xf32>
// LLVM: llvm.fptosi %{{.+}} : vector<16xf32> to vector<16xi8>
// LLVM: llvm.intr.masked.load
// LLVM: llvm.intr.masked.store %{{.+}} : vector<16xi8>, vector<16xi1> into !llvm.ptr
// LLVM-NOT: llvm.fdiv %{{.+}} : f32
// LLVM: llvm.return
func.func @per_token(%x: tensor<?x200xf32>) -> (tensor<?x200xi8>, tensor<?x1xf32>) {
  %s = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<?x200xf32> -> tensor<?x1xf32>
  %q = quantc.quantize %x, %s : tensor<?x200xf32>, tensor<?x1xf32> -> tensor<?x200xi8>
  return %q, %s : tensor<?x200xi8>, tensor<?x1xf32>
}
