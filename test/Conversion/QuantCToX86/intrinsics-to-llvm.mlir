// RUN: quantc-opt %s --quantc-x86-intrinsics-to-llvm | FileCheck %s

// Every width of the two intrinsic ops becomes its LLVM intrinsic; nothing
// else changes (no folding).
// CHECK-LABEL: func.func @vpdpbusd
// CHECK-SAME: (%[[A4:.+]]: vector<4xi32>, %[[B16:.+]]: vector<16xi8>, %[[A8:.+]]: vector<8xi32>, %[[B32:.+]]: vector<32xi8>, %[[A16:.+]]: vector<16xi32>, %[[B64:.+]]: vector<64xi8>)
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.128"(%[[A4]], %[[B16]], %[[B16]]) : (vector<4xi32>, vector<16xi8>, vector<16xi8>) -> vector<4xi32>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"(%[[A8]], %[[B32]], %[[B32]]) : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
// CHECK: %[[R:.+]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%[[A16]], %[[B64]], %[[B64]]) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// CHECK: %[[C:.+]] = arith.constant 1 : index
// CHECK: %[[S:.+]] = arith.addi %[[C]], %[[C]] : index
// CHECK: return %{{.+}}, %{{.+}}, %[[R]], %[[S]]
func.func @vpdpbusd(%a4: vector<4xi32>, %b16: vector<16xi8>, %a8: vector<8xi32>, %b32: vector<32xi8>, %a16: vector<16xi32>, %b64: vector<64xi8>) -> (vector<4xi32>, vector<8xi32>, vector<16xi32>, index) {
  %0 = quantc.x86.vpdpbusd %a4, %b16, %b16 : vector<4xi32>, vector<16xi8>
  %1 = quantc.x86.vpdpbusd %a8, %b32, %b32 : vector<8xi32>, vector<32xi8>
  %2 = quantc.x86.vpdpbusd %a16, %b64, %b64 : vector<16xi32>, vector<64xi8>
  %c = arith.constant 1 : index
  %s = arith.addi %c, %c : index
  return %0, %1, %2, %s : vector<4xi32>, vector<8xi32>, vector<16xi32>, index
}

// CHECK-LABEL: func.func @pmaddwd
// CHECK: llvm.call_intrinsic "llvm.x86.sse2.pmadd.wd"(%{{.+}}, %{{.+}}) : (vector<8xi16>, vector<8xi16>) -> vector<4xi32>
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%{{.+}}, %{{.+}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.pmaddw.d.512"(%{{.+}}, %{{.+}}) : (vector<32xi16>, vector<32xi16>) -> vector<16xi32>
// CHECK-NOT: quantc.x86
func.func @pmaddwd(%a: vector<8xi16>, %b: vector<16xi16>, %c: vector<32xi16>) -> (vector<4xi32>, vector<8xi32>, vector<16xi32>) {
  %0 = quantc.x86.pmaddwd %a, %a : vector<8xi16> -> vector<4xi32>
  %1 = quantc.x86.pmaddwd %b, %b : vector<16xi16> -> vector<8xi32>
  %2 = quantc.x86.pmaddwd %c, %c : vector<32xi16> -> vector<16xi32>
  return %0, %1, %2 : vector<4xi32>, vector<8xi32>, vector<16xi32>
}
