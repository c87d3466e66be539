// Transcendental functions in vectorized elementwise code reach LLVM as
// polynomial approximations on vectors: no call to libm (erff, expf, tanhf,
// logf) and no llvm.intr.exp/log (which LLVM's x86 backend would split into
// per-lane libm calls); the rows' tails are masked loads and stores.
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=vnni | FileCheck %s
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=avx2 | FileCheck %s --check-prefix=AVX2

// CHECK-NOT: {{erff|expf|tanhf|logf|llvm.intr.exp|llvm.intr.log}}
// CHECK-LABEL: llvm.func @activations
// CHECK-DAG: llvm.intr.masked.load %{{.+}} : (!llvm.ptr, vector<16xi1>, vector<16xf32>) -> vector<16xf32>
// CHECK-DAG: llvm.intr.masked.store %{{.+}} : vector<16xf32>, vector<16xi1> into !llvm.ptr
// CHECK-DAG: llvm.intr.fma(%{{.+}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK-NOT: {{erff|expf|tanhf|logf|llvm.intr.exp|llvm.intr.log}}
// AVX2-NOT: {{erff|expf|tanhf|logf|llvm.intr.exp|llvm.intr.log}}
// AVX2: llvm.intr.masked.load %{{.+}} : (!llvm.ptr, vector<8xi1>, vector<8xf32>) -> vector<8xf32>
// AVX2-NOT: {{erff|expf|tanhf|logf|llvm.intr.exp|llvm.intr.log}}
func.func @activations(%x: tensor<?x?xf32>) -> (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %d0 = tensor.dim %x, %c0 : tensor<?x?xf32>
  %d1 = tensor.dim %x, %c1 : tensor<?x?xf32>
  %e = tensor.empty(%d0, %d1) : tensor<?x?xf32>
  %erf = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x?xf32>) outs(%e : tensor<?x?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = math.erf %a : f32
    linalg.yield %v : f32
  } -> tensor<?x?xf32>
  %exp = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x?xf32>) outs(%e : tensor<?x?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = math.exp %a : f32
    linalg.yield %v : f32
  } -> tensor<?x?xf32>
  %tanh = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x?xf32>) outs(%e : tensor<?x?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = math.tanh %a : f32
    linalg.yield %v : f32
  } -> tensor<?x?xf32>
  %log = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x?xf32>) outs(%e : tensor<?x?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = math.log %a : f32
    linalg.yield %v : f32
  } -> tensor<?x?xf32>
  return %erf, %exp, %tanh, %log : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>
}
