// RUN: quantc-opt %s | FileCheck %s
// RUN: quantc-opt %s | quantc-opt | FileCheck %s
// RUN: quantc-opt %s --mlir-print-op-generic | quantc-opt | FileCheck %s

// CHECK-LABEL: func.func @intrinsics
// CHECK: %[[D:.+]] = quantc.x86.vpdpbusd %{{.+}}, %{{.+}}, %{{.+}} : vector<16xi32>, vector<64xi8>
// CHECK: %[[P:.+]] = quantc.x86.pmaddwd %{{.+}}, %{{.+}} : vector<16xi16> -> vector<8xi32>
// CHECK: %[[T:.+]] = quantc.x86.vpermps %{{.+}}, %{{.+}} : vector<16xf32>, vector<16xi32>
func.func @intrinsics(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<64xi8>, %c: vector<16xi16>, %tab: vector<16xf32>) -> (vector<16xi32>, vector<8xi32>, vector<16xf32>) {
  %d = quantc.x86.vpdpbusd %acc, %a, %b : vector<16xi32>, vector<64xi8>
  %p = quantc.x86.pmaddwd %c, %c : vector<16xi16> -> vector<8xi32>
  %t = quantc.x86.vpermps %tab, %acc : vector<16xf32>, vector<16xi32>
  return %d, %p, %t : vector<16xi32>, vector<8xi32>, vector<16xf32>
}

// The intrinsics are Pure: unused ones are dead code.
// RUN: quantc-opt %s --canonicalize | FileCheck %s --check-prefix=DCE
// DCE-LABEL: func.func @dead
// DCE-NEXT: return
func.func @dead(%acc: vector<8xi32>, %a: vector<32xi8>) {
  %d = quantc.x86.vpdpbusd %acc, %a, %a : vector<8xi32>, vector<32xi8>
  return
}

// CHECK-LABEL: func.func private @kernel
// CHECK-SAME: quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx2, m = 64, n = 256, k = 512, mr = 6, nr = 2, kunroll = 2, panel_block = 8, parallel = true, emulate = false>
func.func private @kernel() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx2, m = 64, n = 256, k = 512, mr = 6, nr = 2, kunroll = 2, panel_block = 8, parallel = true, emulate = false>}

// runtime_weight is printed when true; false is the default, left out.
// CHECK-LABEL: func.func private @runtime_kernel
// CHECK-SAME: quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 16, n = 4096, k = 4096, mr = 6, nr = 4, kunroll = 4, panel_block = 2, parallel = true, emulate = false, runtime_weight = true>
func.func private @runtime_kernel() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 16, n = 4096, k = 4096, mr = 6, nr = 4, kunroll = 4, panel_block = 2, parallel = true, emulate = false, runtime_weight = true>}

// small_m is printed when true.
// CHECK-LABEL: func.func private @small_m_kernel
// CHECK-SAME: quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 16, n = 4096, k = 4096, mr = 16, nr = 1, kunroll = 4, panel_block = 1, parallel = true, emulate = false, runtime_weight = true, small_m = true>
func.func private @small_m_kernel() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 16, n = 4096, k = 4096, mr = 16, nr = 1, kunroll = 4, panel_block = 1, parallel = true, emulate = false, runtime_weight = true, small_m = true>}
// CHECK-LABEL: func.func private @constant_kernel
// CHECK-SAME: quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx2, m = 1, n = 8, k = 3, mr = 1, nr = 1, kunroll = 0, panel_block = 1, parallel = false, emulate = false>}
func.func private @constant_kernel() attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx2, m = 1, n = 8, k = 3, mr = 1, nr = 1, kunroll = 0, panel_block = 1, parallel = false, emulate = false, runtime_weight = false>}
