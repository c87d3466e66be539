//===- bench_batched.cpp - quantc batched int8 GEMMs vs cuBLASLt ----------===//
//
// Attention's batched GEMMs: times quantc's batched kernels (cubins from
// gen_batched.py, launched with grid.z = batch through quantc's runtime) and
// cuBLASLt's strided-batched int8 GEMM (CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT /
// STRIDED_BATCH_OFFSET, CUBLAS_COMPUTE_32I, heuristic algorithm) in one
// process with CUDA events, and checks that both give the same int32 result
// bit for bit (the first M rows of every batch).
//
// Layouts: NT (Q.K^T: B stored [batch, N, K]) and NN (P.V: V stored [batch,
// K, N]). cuBLASLt runs NN as stored (falling back to TN on V^T, said in the
// table, if it offers no NN int8 algorithm); the quantc kernel reads V^T
// (K-major), which a compiled program transposes on the host: that copy is
// not timed here.
//
// usage: bench_batched MANIFEST
//   MANIFEST lines: label layout B M Mp N K gridX gridZ block smem cubin kernel
//
//===----------------------------------------------------------------------===//
#include "bench_common.h"

#include <random>
#include <sstream>

struct Entry {
  std::string label, layout, cubin, kernel;
  int64_t batch, m, mp, n, k, gridX, gridZ, block, smem;
};

/// A cuBLASLt strided-batched int8 GEMM. Row-major C[M, N] = A[M, K] x
/// op(W) is column-major C^T[N, M] = op(X) x A^T with X = W: TN when W is
/// [N, K] (transa = T, X is K x N, ld K), NN when W is [K, N] (transa = N,
/// X is N x K, ld N). A's batches are `aStride` elements apart.
struct LtBatched {
  cublasLtHandle_t h;
  cublasLtMatmulDesc_t op;
  cublasLtMatrixLayout_t lx, la, lc;
  cublasLtMatmulHeuristicResult_t heur;
  void *ws;
  size_t wsSize = 32u << 20;

  /// False when cuBLASLt offers no algorithm for this layout.
  bool init(int64_t batch, int64_t m, int64_t n, int64_t k, int64_t aStride,
            bool nn, void *workspace) {
    ws = workspace;
    LT(cublasLtCreate(&h));
    LT(cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32I, CUDA_R_32I));
    cublasOperation_t ta = nn ? CUBLAS_OP_N : CUBLAS_OP_T, tb = CUBLAS_OP_N;
    LT(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &ta,
                                      sizeof(ta)));
    LT(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &tb,
                                      sizeof(tb)));
    if (nn)
      LT(cublasLtMatrixLayoutCreate(&lx, CUDA_R_8I, n, k, n));
    else
      LT(cublasLtMatrixLayoutCreate(&lx, CUDA_R_8I, k, n, k));
    LT(cublasLtMatrixLayoutCreate(&la, CUDA_R_8I, k, m, k));
    LT(cublasLtMatrixLayoutCreate(&lc, CUDA_R_32I, n, m, n));
    int32_t count = (int32_t)batch;
    int64_t strides[3] = {n * k, aStride, m * n};
    cublasLtMatrixLayout_t layouts[3] = {lx, la, lc};
    for (int i = 0; i < 3; ++i) {
      LT(cublasLtMatrixLayoutSetAttribute(layouts[i],
                                          CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                                          &count, sizeof(count)));
      LT(cublasLtMatrixLayoutSetAttribute(
          layouts[i], CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &strides[i],
          sizeof(strides[i])));
    }
    cublasLtMatmulPreference_t pref;
    LT(cublasLtMatmulPreferenceCreate(&pref));
    LT(cublasLtMatmulPreferenceSetAttribute(
        pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &wsSize,
        sizeof(wsSize)));
    int found = 0;
    cublasStatus_t st = cublasLtMatmulAlgoGetHeuristic(h, op, lx, la, lc, lc,
                                                       pref, 1, &heur, &found);
    cublasLtMatmulPreferenceDestroy(pref);
    return st == CUBLAS_STATUS_SUCCESS && found;
  }
  void run(CUstream s, CUdeviceptr x, CUdeviceptr a, CUdeviceptr c) {
    int32_t alpha = 1, beta = 0;
    LT(cublasLtMatmul(h, op, &alpha, (void *)x, lx, (void *)a, la, &beta,
                      (void *)c, lc, (void *)c, lc, &heur.algo, ws, wsSize,
                      (cudaStream_t)s));
  }
};

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MANIFEST\n", argv[0]);
    return 2;
  }
  std::vector<Entry> entries;
  {
    std::ifstream f(argv[1]);
    std::string line, dir = argv[1];
    dir = dir.substr(0, dir.find_last_of('/') + 1);
    while (std::getline(f, line)) {
      if (line.empty() || line[0] == '#')
        continue;
      std::istringstream is(line);
      Entry e;
      if (!(is >> e.label >> e.layout >> e.batch >> e.m >> e.mp >> e.n >> e.k >>
            e.gridX >> e.gridZ >> e.block >> e.smem >> e.cubin >> e.kernel)) {
        fprintf(stderr, "bad manifest line: %s\n", line.c_str());
        return 2;
      }
      if (e.cubin[0] != '/')
        e.cubin = dir + e.cubin;
      entries.push_back(e);
    }
  }
  CK(cuInit(0));
  CUstream s = mgpuStreamCreate(); // also makes the primary context
  CUdevice dev;
  CK(cuDeviceGet(&dev, 0));
  CUcontext ctx;
  CK(cuDevicePrimaryCtxRetain(&ctx, dev));
  CK(cuCtxSetCurrent(ctx));
  char name[256];
  CK(cuDeviceGetName(name, sizeof(name), dev));
  printf("device: %s\n", name);
  CUdeviceptr ws;
  CK(cuMemAlloc(&ws, 32u << 20));

  printf("\n%-34s %-4s %-18s %9s %9s %8s %8s %7s %-6s %s\n", "kernel", "lay",
         "BxMxNxK", "quantc ms", "Lt ms", "q TOPS", "Lt TOPS", "q/Lt", "Lt as",
         "int32==cuBLASLt");
  bool allExact = true;
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> dist(-127, 127);
  for (const Entry &e : entries) {
    const int64_t B = e.batch, M = e.m, Mp = e.mp, N = e.n, K = e.k;
    // A: [B, Mp, K] with zero rows past M; W: [B, N, K] (K-major, what the
    // kernel reads); V = W^T per batch, [B, K, N] (NN as stored).
    std::vector<int8_t> a(B * Mp * K, 0), w(B * N * K), v(B * K * N);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t i = 0; i < M * K; ++i)
        a[b * Mp * K + i] = (int8_t)dist(rng);
    for (auto &x : w)
      x = (int8_t)dist(rng);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t j = 0; j < N; ++j)
        for (int64_t c = 0; c < K; ++c)
          v[(b * K + c) * N + j] = w[(b * N + j) * K + c];
    CUdeviceptr da = upload(s, a.data(), a.size());
    CUdeviceptr dw = upload(s, w.data(), w.size());
    CUdeviceptr dv = upload(s, v.data(), v.size());
    size_t cqBytes = B * Mp * N * 4, clBytes = B * M * N * 4;
    CUdeviceptr cq = (CUdeviceptr)mgpuMemAlloc(cqBytes, s, false);
    CUdeviceptr cl = (CUdeviceptr)mgpuMemAlloc(clBytes, s, false);
    // Poison both outputs: every element must be written.
    CK(cuMemsetD32(cq, 0xDEADBEEF, B * Mp * N));
    CK(cuMemsetD32(cl, 0x12345678, B * M * N));

    std::vector<char> bin = readFile(e.cubin);
    CUmodule mod = mgpuModuleLoad(bin.data(), bin.size());
    CUfunction fn = mgpuModuleGetFunction(mod, e.kernel.c_str());
    void *args[3] = {&da, &dw, &cq};
    auto launchQ = [&] {
      mgpuLaunchKernel(fn, e.gridX, 1, e.gridZ, e.block, 1, 1, (int32_t)e.smem,
                       s, args, nullptr, 3);
    };
    bool nn = e.layout == "NN";
    LtBatched lt;
    const char *ltAs = nn ? "NN" : "TN";
    bool ltOk = lt.init(B, M, N, K, Mp * K, nn, (void *)ws);
    CUdeviceptr ltW = nn ? dv : dw;
    if (!ltOk && nn) {
      // No NN int8 algorithm: cuBLASLt on V^T (TN), said in the table.
      lt = LtBatched();
      ltOk = lt.init(B, M, N, K, Mp * K, false, (void *)ws);
      ltAs = "TN*";
      ltW = dw;
    }
    if (!ltOk) {
      fprintf(stderr, "cuBLASLt: no int8 algorithm for %s\n", e.label.c_str());
      return 1;
    }
    launchQ();
    lt.run(s, ltW, da, cl);
    CK(cuStreamSynchronize(s));
    std::vector<int32_t> rq(B * Mp * N), rl(B * M * N);
    CK(cuMemcpyDtoH(rq.data(), cq, cqBytes));
    CK(cuMemcpyDtoH(rl.data(), cl, clBytes));
    size_t bad = 0;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t i = 0; i < M * N; ++i)
        bad += rq[b * Mp * N + i] != rl[b * M * N + i];
    allExact &= bad == 0;
    int iters = 50;
    double tq = medianMs(s, iters, launchQ);
    double tl = medianMs(s, iters, [&] { lt.run(s, ltW, da, cl); });
    double ops = 2.0 * B * M * N * K;
    char shape[64];
    snprintf(shape, sizeof(shape), "%ldx%ldx%ldx%ld", (long)B, (long)M, (long)N,
             (long)K);
    printf("%-34s %-4s %-18s %9.4f %9.4f %8.1f %8.1f %7.3f %-6s %s\n",
           e.label.c_str(), e.layout.c_str(), shape, tq, tl,
           ops / (tq * 1e-3) / 1e12, ops / (tl * 1e-3) / 1e12, tl / tq, ltAs,
           bad ? "NO" : "yes");
    if (bad)
      printf("MISMATCH %s: %zu of %ld int32 differ\n", e.label.c_str(), bad,
             (long)(B * M * N));
    CK(cuModuleUnload(mod));
    for (CUdeviceptr p : {da, dw, dv, cq, cl})
      CK(cuMemFree(p));
  }
  return allExact ? 0 : 1;
}
