//===- bench_common.h - Shared helpers of the GPU benchmarks ---*- C++ -*-===//
//
// What bench_gemm.cpp and bench_batched.cpp share: the entry points of
// quantc's CUDA runtime (lib/Runtime) they launch kernels through, the
// CUDA driver / cuBLASLt error checks, reading a cubin, and the median time
// of a launch measured with CUDA events.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_BENCHMARKS_GPU_BENCH_COMMON_H
#define QUANTC_BENCHMARKS_GPU_BENCH_COMMON_H

#include <cublasLt.h>
#include <cuda.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" {
CUmodule mgpuModuleLoad(void *data, size_t size);
CUfunction mgpuModuleGetFunction(CUmodule module, const char *name);
void mgpuLaunchKernel(CUfunction f, intptr_t gx, intptr_t gy, intptr_t gz,
                      intptr_t bx, intptr_t by, intptr_t bz, int32_t smem,
                      CUstream stream, void **params, void **extra,
                      size_t paramsCount);
void *mgpuMemAlloc(uint64_t size, CUstream stream, bool hostShared);
CUstream mgpuStreamCreate();
void *quantcTensorMap2D(void *base, int64_t rows, int64_t cols, int64_t boxRows,
                        int64_t boxCols);
void quantcTensorMapFree(void *map);
}

/// Exits with the call, file, line and error name when a CUDA driver call
/// fails.
#define CK(x)                                                                  \
  do {                                                                         \
    CUresult r_ = (x);                                                         \
    if (r_ != CUDA_SUCCESS) {                                                  \
      const char *n_ = nullptr;                                                \
      cuGetErrorName(r_, &n_);                                                 \
      fprintf(stderr, "%s:%d %s failed: %s\n", __FILE__, __LINE__, #x, n_);    \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)
/// Exits with the call, file, line and status when a cuBLASLt call fails.
#define LT(x)                                                                  \
  do {                                                                         \
    cublasStatus_t s_ = (x);                                                   \
    if (s_ != CUBLAS_STATUS_SUCCESS) {                                         \
      fprintf(stderr, "%s:%d %s failed: %d\n", __FILE__, __LINE__, #x,         \
              (int)s_);                                                        \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

/// The bytes of the file at `path` (a cubin); exits if it cannot be read.
static inline std::vector<char> readFile(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    fprintf(stderr, "cannot read %s\n", path.c_str());
    exit(1);
  }
  return std::vector<char>((std::istreambuf_iterator<char>(f)), {});
}

/// The median time in ms of `iters` runs of `fn` on stream `s` (CUDA events
/// around each run), after 3 warm-up runs.
template <typename F> double medianMs(CUstream s, int iters, F fn) {
  CUevent a, b;
  CK(cuEventCreate(&a, CU_EVENT_DEFAULT));
  CK(cuEventCreate(&b, CU_EVENT_DEFAULT));
  for (int i = 0; i < 3; ++i)
    fn();
  CK(cuStreamSynchronize(s));
  std::vector<float> t;
  for (int i = 0; i < iters; ++i) {
    CK(cuEventRecord(a, s));
    fn();
    CK(cuEventRecord(b, s));
    CK(cuEventSynchronize(b));
    float ms;
    CK(cuEventElapsedTime(&ms, a, b));
    t.push_back(ms);
  }
  std::sort(t.begin(), t.end());
  CK(cuEventDestroy(a));
  CK(cuEventDestroy(b));
  return t[t.size() / 2];
}

/// A device buffer of `bytes` (quantc's runtime allocator) holding a copy of
/// the host bytes at `p`.
static inline CUdeviceptr upload(CUstream s, const void *p, size_t bytes) {
  CUdeviceptr d = (CUdeviceptr)mgpuMemAlloc(bytes, s, false);
  CK(cuMemcpyHtoD(d, p, bytes));
  return d;
}

#endif // QUANTC_BENCHMARKS_GPU_BENCH_COMMON_H
