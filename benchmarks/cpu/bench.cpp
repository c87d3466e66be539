//===- bench.cpp - quantc's VNNI GEMMs side by side with oneDNN -----------===//
//
// Times quantc's compiled int8 GEMMs (objects built by quantc-opt
// --quantc-cpu-pipeline, mlir-translate and llc; see gen_gemm.py) and
// oneDNN's matmul primitive on the same data, in one process:
//
//  gemm   s8 x s8 -> f32, per-column weight scales (x per-tensor scale):
//         oneDNN with prepacked weights (tag::any + reorder, outside timing)
//         and static per-column output scales.
//  rgemm  the gemm with a run-time weight: quantc's kernel gets W [N, K]
//         as an argument and packs it on every call; oneDNN gets the same
//         plain, un-prepacked weights (memory tag::ba of {K, N}, no reorder
//         outside timing), whatever it does with them per call is timed.
//  sgemm  f32 GEMM y = x . W, W [K, N] a run-time argument (quantc's float
//         FMA kernels pack it on every call); oneDNN's f32 matmul gets the
//         same plain weights (tag::ab, no reorder outside timing).
//  sgemmt the same with W [N, K] (tag::ba for oneDNN).
//  bgemm  batched s8 x s8 -> s32, both operands arguments ([B, M, K] x
//         [B, N, K]: attention's Q . K^T, or P . V with V given as [D, S]
//         per head); oneDNN: a 3-D matmul on the same plain buffers.
//  w8a16  weight-only y = x . (q * ws[n]), f32 x, int8 q [K, N] a run-time
//         argument (quantc reads it in place, widening in registers);
//         oneDNN's f32 matmul gets the dequantized f32 weight (tag::ab, no
//         reorder outside timing). Both warm: the same weights every call.
//  w8a16c the same with the constant weight W [N, K] (quantc packs it at
//         compile time; oneDNN: the f32 weight tag::ba).
//  w4a16  W4A16: the constant i4 weight w4 [N, K] in [-7, 7] with f32 scales
//         per output channel and group of 128 along K (quantc packs it two
//         per byte at compile time); oneDNN: the dequantized f32 weight
//         tag::ba. Compare with w8a16c of the same shape for 8 bits.
//  linear per-token dynamic W8A8: f32 activations -> absmax per row ->
//         quantize -> GEMM -> dequantize (x scale per row, w per column).
//         oneDNN: the same quantization loop in C++ (compiled -O3
//         -march=native)
//         + matmul with run-time per-column output scales + per-row scaling.
//
// Threads: both sides read OMP_NUM_THREADS (set it for each run).
//
// Usage: quantc-bench-cpu [--onednn-max-isa=vnni|amx|avx2] [CASE]
//   --onednn-max-isa=vnni restricts oneDNN to AVX-512 VNNI
//   (dnnl::set_max_cpu_isa(avx512_core_vnni) before its first primitive): on
//   an AMX CPU, the apples-to-apples baseline of quantc's VNNI kernels.
//   --onednn-max-isa=avx2 restricts it to AVX2 (cpu_isa::avx2), the
//   baseline of quantc's cpu=avx2 kernels on an AVX-512 machine. oneDNN's
//   AVX2 int8 uses vpmaddubsw, whose i16 sums saturate: its results may be
//   inexact (the check column says so).
//   CASE: a kind (gemm, rgemm, ...) or one case (gemm_2048x2048x2048).
//
//===----------------------------------------------------------------------===//
#include <dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

template <typename T> struct MemRef2D {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
};

template <typename T> static MemRef2D<T> view(T *p, int64_t r, int64_t c) {
  return {p, p, 0, {r, c}, {c, 1}};
}

// The functions quantc compiled (gen_gemm.py), declared by shape.
#define QUANTC_GEMM(M, N, K)                                                   \
  extern "C" void _mlir_ciface_q_gemm_##M##x##N##x##K(                         \
      MemRef2D<int8_t> *, MemRef2D<float> *, MemRef2D<float> *);
#define QUANTC_LINEAR(M, N, K)                                                 \
  extern "C" void _mlir_ciface_q_linear_##M##x##N##x##K(MemRef2D<float> *,     \
                                                        MemRef2D<float> *);
#define QUANTC_RGEMM(M, N, K)                                                  \
  extern "C" void _mlir_ciface_q_rgemm_##M##x##N##x##K(                        \
      MemRef2D<int8_t> *, MemRef2D<int8_t> *, MemRef2D<float> *,               \
      MemRef2D<float> *);
#define QUANTC_SGEMM(M, N, K)                                                  \
  extern "C" void _mlir_ciface_q_sgemm_##M##x##N##x##K(                        \
      MemRef2D<float> *, MemRef2D<float> *, MemRef2D<float> *);
#define QUANTC_SGEMMT(M, N, K)                                                 \
  extern "C" void _mlir_ciface_q_sgemmt_##M##x##N##x##K(                       \
      MemRef2D<float> *, MemRef2D<float> *, MemRef2D<float> *);
template <typename T> struct MemRef3D {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t sizes[3];
  int64_t strides[3];
};

template <typename T>
static MemRef3D<T> view3(T *p, int64_t b, int64_t r, int64_t c) {
  return {p, p, 0, {b, r, c}, {r * c, c, 1}};
}

#define QUANTC_BGEMM(B, M, N, K)                                               \
  extern "C" void _mlir_ciface_q_bgemm_##B##x##M##x##N##x##K(                  \
      MemRef3D<int8_t> *, MemRef3D<int8_t> *, MemRef3D<int32_t> *);
#define QUANTC_BGEMMNN(B, M, N, K)                                             \
  extern "C" void _mlir_ciface_q_bgemmnn_##B##x##M##x##N##x##K(                \
      MemRef3D<int8_t> *, MemRef3D<int8_t> *, MemRef3D<int32_t> *);
#define QUANTC_W8A16(M, N, K)                                                  \
  extern "C" void _mlir_ciface_q_w8a16_##M##x##N##x##K(                        \
      MemRef2D<float> *, MemRef2D<int8_t> *, MemRef2D<float> *);
#define QUANTC_W8A16C(M, N, K)                                                 \
  extern "C" void _mlir_ciface_q_w8a16c_##M##x##N##x##K(MemRef2D<float> *,     \
                                                        MemRef2D<float> *);
#define QUANTC_W4A16(M, N, K)                                                  \
  extern "C" void _mlir_ciface_q_w4a16_##M##x##N##x##K(MemRef2D<float> *,      \
                                                       MemRef2D<float> *);
#include "bench_shapes.inc"
#undef QUANTC_W8A16
#undef QUANTC_W8A16C
#undef QUANTC_W4A16
#undef QUANTC_GEMM
#undef QUANTC_LINEAR
#undef QUANTC_RGEMM
#undef QUANTC_SGEMM
#undef QUANTC_SGEMMT
#undef QUANTC_BGEMM
#undef QUANTC_BGEMMNN

using GemmFn = void (*)(MemRef2D<int8_t> *, MemRef2D<float> *,
                        MemRef2D<float> *);
using LinearFn = void (*)(MemRef2D<float> *, MemRef2D<float> *);
using RGemmFn = void (*)(MemRef2D<int8_t> *, MemRef2D<int8_t> *,
                         MemRef2D<float> *, MemRef2D<float> *);
using SGemmFn = void (*)(MemRef2D<float> *, MemRef2D<float> *,
                         MemRef2D<float> *);

using BGemmFn = void (*)(MemRef3D<int8_t> *, MemRef3D<int8_t> *,
                         MemRef3D<int32_t> *);

struct BatchedCase {
  int64_t B, M, N, K;
  BGemmFn fn;
  /// bgemmnn: the rhs is [B, K, N] (attention's V as a cache stores it).
  bool nn = false;
};

static std::vector<BatchedCase> batchedCases() {
  std::vector<BatchedCase> cs;
#define QUANTC_GEMM(M, N, K)
#define QUANTC_LINEAR(M, N, K)
#define QUANTC_RGEMM(M, N, K)
#define QUANTC_SGEMM(M, N, K)
#define QUANTC_SGEMMT(M, N, K)
#define QUANTC_W8A16(M, N, K)
#define QUANTC_W8A16C(M, N, K)
#define QUANTC_W4A16(M, N, K)
#define QUANTC_BGEMM(B, M, N, K)                                               \
  cs.push_back({B, M, N, K, _mlir_ciface_q_bgemm_##B##x##M##x##N##x##K});
#define QUANTC_BGEMMNN(B, M, N, K)                                             \
  cs.push_back(                                                                \
      {B, M, N, K, _mlir_ciface_q_bgemmnn_##B##x##M##x##N##x##K, true});
#include "bench_shapes.inc"
#undef QUANTC_GEMM
#undef QUANTC_LINEAR
#undef QUANTC_RGEMM
#undef QUANTC_SGEMM
#undef QUANTC_SGEMMT
#undef QUANTC_W8A16
#undef QUANTC_W8A16C
#undef QUANTC_W4A16
#undef QUANTC_BGEMM
#undef QUANTC_BGEMMNN
  return cs;
}
using W8A16Fn = void (*)(MemRef2D<float> *, MemRef2D<int8_t> *,
                         MemRef2D<float> *);

struct Case {
  std::string kind;
  int64_t M, N, K;
  GemmFn gemm = nullptr;
  LinearFn linear = nullptr;
  RGemmFn rgemm = nullptr;
  SGemmFn sgemm = nullptr;
  W8A16Fn w8a16 = nullptr;
  LinearFn w8a16c = nullptr;
  LinearFn w4a16 = nullptr;
};

static std::vector<Case> cases() {
  std::vector<Case> cs;
#define QUANTC_GEMM(M, N, K)                                                   \
  cs.push_back({"gemm", M, N, K, _mlir_ciface_q_gemm_##M##x##N##x##K, nullptr});
#define QUANTC_LINEAR(M, N, K)                                                 \
  cs.push_back(                                                                \
      {"linear", M, N, K, nullptr, _mlir_ciface_q_linear_##M##x##N##x##K});
#define QUANTC_RGEMM(M, N, K)                                                  \
  cs.push_back({"rgemm", M, N, K, nullptr, nullptr,                            \
                _mlir_ciface_q_rgemm_##M##x##N##x##K});
#define QUANTC_SGEMM(M, N, K)                                                  \
  cs.push_back({"sgemm", M, N, K, nullptr, nullptr, nullptr,                   \
                _mlir_ciface_q_sgemm_##M##x##N##x##K});
#define QUANTC_SGEMMT(M, N, K)                                                 \
  cs.push_back({"sgemmt", M, N, K, nullptr, nullptr, nullptr,                  \
                _mlir_ciface_q_sgemmt_##M##x##N##x##K});
#define QUANTC_BGEMM(B, M, N, K)
#define QUANTC_BGEMMNN(B, M, N, K)
#define QUANTC_W8A16(M, N, K)                                                  \
  cs.push_back({"w8a16", M, N, K, nullptr, nullptr, nullptr, nullptr,          \
                _mlir_ciface_q_w8a16_##M##x##N##x##K});
#define QUANTC_W8A16C(M, N, K)                                                 \
  cs.push_back({"w8a16c", M, N, K, nullptr, nullptr, nullptr, nullptr,         \
                nullptr, _mlir_ciface_q_w8a16c_##M##x##N##x##K});
#define QUANTC_W4A16(M, N, K)                                                  \
  cs.push_back({"w4a16", M, N, K, nullptr, nullptr, nullptr, nullptr, nullptr, \
                nullptr, _mlir_ciface_q_w4a16_##M##x##N##x##K});
#include "bench_shapes.inc"
#undef QUANTC_BGEMM
#undef QUANTC_BGEMMNN
  return cs;
}

// Must match gen_gemm.py.
static int8_t weight(int64_t n, int64_t k) {
  return static_cast<int8_t>(((n * 7 + k * 13) % 255) - 127);
}
static float wscale(int64_t n) {
  return static_cast<float>(0.001 * (1 + n % 7));
}
// The w4a16 weight and its group scales (group g = k / 128); must match
// gen_gemm.py.
static int8_t weight4(int64_t n, int64_t k) {
  return static_cast<int8_t>(((n * 7 + k * 13) % 15) - 7);
}
static float gscale(int64_t n, int64_t g) {
  return static_cast<float>(0.001 * (1 + (n + g) % 7));
}

static double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Best time of `reps` calls after one warm-up, stopping early after
/// `budget` seconds.
static double timeIt(const std::function<void()> &f, double budget = 1.0) {
  f();
  double best = 1e30, start = now();
  for (int i = 0; i < 20; ++i) {
    double t0 = now();
    f();
    best = std::min(best, now() - t0);
    if (now() - start > budget && i >= 2)
      break;
  }
  return best;
}

/// The best times of `q` and `d` (quantc and oneDNN) timed alternately,
/// one call of each per round after a warm-up of each, for up to 200
/// rounds or `budget` seconds (at least 5): on a shared machine both sides
/// meet the same load, so their ratio is steadier than that of two
/// timeIt runs one after the other.
static std::pair<double, double> timeBoth(const std::function<void()> &q,
                                          const std::function<void()> &d,
                                          double budget = 2.0) {
  q();
  d();
  double bq = 1e30, bd = 1e30, start = now();
  for (int i = 0; i < 200; ++i) {
    double t0 = now();
    q();
    double t1 = now();
    d();
    double t2 = now();
    bq = std::min(bq, t1 - t0);
    bd = std::min(bd, t2 - t1);
    if (t2 - start > budget && i >= 4)
      break;
  }
  return {bq, bd};
}

/// Whether the weight-only cases are timed cold (QUANTC_BENCH_COLD=1).
static bool coldWeightOnly() {
  const char *e = std::getenv("QUANTC_BENCH_COLD");
  return e && e[0] == '1';
}

/// Cold timing: before each of 5 timed calls, every line of a 1 GiB buffer
/// (more than twice the 480 MiB L3 this VM reports) is written, so that the
/// call reads its weights from memory; the median of the 5.
static double timeCold(const std::function<void()> &f) {
  static std::vector<char> flush(size_t(1) << 30, 1);
  f();
  std::vector<double> ts;
  for (int i = 0; i < 5; ++i) {
    for (size_t j = 0; j < flush.size(); j += 64)
      flush[j] = static_cast<char>(flush[j] + 1);
    double t0 = now();
    f();
    ts.push_back(now() - t0);
  }
  std::sort(ts.begin(), ts.end());
  return ts[2];
}

/// The weight-only cases' timing: warm (timeIt: the same weights, cached,
/// best of repeated calls) or cold (timeCold) by QUANTC_BENCH_COLD.
static double timeWeightOnly(const std::function<void()> &f) {
  return coldWeightOnly() ? timeCold(f) : timeIt(f);
}

using namespace dnnl;
using dt = memory::data_type;
using tag = memory::format_tag;

/// Spot checks of y = ((float)(x . W^T)[m, n] * xs[m]) * ws[n] against an
/// int64 dot product, at 256 positions: quantc must match bit for bit; for
/// oneDNN (which applies the scales in another order) the count of
/// positions off by more than 1e-5 relative is reported.
struct Check {
  int bad = 0;
  double maxRel = 0;
};
static Check spotCheck(const Case &c, const std::vector<int8_t> &x,
                       const std::vector<float> &xs,
                       const std::vector<float> &y, bool bitExact) {
  Check r;
  for (int s = 0; s < 256; ++s) {
    int64_t m = (s * 7919) % c.M, n = (s * 104729) % c.N;
    int64_t acc = 0;
    for (int64_t k = 0; k < c.K; ++k)
      acc += (int64_t)x[m * c.K + k] * weight(n, k);
    float want = ((float)(int32_t)acc * xs[xs.size() == 1 ? 0 : m]) * wscale(n);
    float got = y[m * c.N + n];
    double rel = std::fabs((double)got - want) / (std::fabs(want) + 1e-30);
    r.maxRel = std::max(r.maxRel, rel);
    if (bitExact ? got != want : rel > 1e-5) {
      if (bitExact && r.bad == 0)
        std::printf("  MISMATCH at (%ld, %ld): quantc %.9g, exact %.9g\n",
                    (long)m, (long)n, got, want);
      ++r.bad;
    }
  }
  return r;
}

/// A float case: quantc's f32 GEMM and oneDNN's f32 matmul on the same
/// run-time weights. Spot checks: 256 outputs against a double dot product,
/// error relative to sum_k |x||w| (quantc must stay within 1e-5).
static bool runFloat(const Case &c, engine &eng, stream &strm,
                     const char *thr) {
  int64_t M = c.M, N = c.N, K = c.K;
  bool t = c.kind == "sgemmt";
  std::vector<float> x(M * K), w(N * K), yq(M * N), yd(M * N);
  for (int64_t i = 0; i < M * K; ++i)
    x[i] = std::sin(0.001f * i) * (1 + (i % 13));
  // w(k, n), stored [K, N] (sgemm) or [N, K] (sgemmt).
  auto wAt = [&](int64_t k, int64_t n) -> float & {
    return t ? w[n * K + k] : w[k * N + n];
  };
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n)
      wAt(k, n) = (((n * 7 + k * 13) % 255) - 127) / 128.0f;
  auto xd = view(x.data(), M, K);
  auto wd = t ? view(w.data(), N, K) : view(w.data(), K, N);
  auto yqd = view(yq.data(), M, N);
  double tq = timeIt([&] { c.sgemm(&xd, &wd, &yqd); });
  memory::desc srcMd({M, K}, dt::f32, tag::ab);
  memory::desc weiMd({K, N}, dt::f32, t ? tag::ba : tag::ab);
  memory::desc dstMd({M, N}, dt::f32, tag::ab);
  matmul::primitive_desc pd(matmul::desc(srcMd, weiMd, dstMd), eng);
  matmul mm(pd);
  memory src(srcMd, eng, x.data()), wei(weiMd, eng, w.data()),
      dst(dstMd, eng, yd.data());
  double td = timeIt([&] {
    mm.execute(
        strm,
        {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}});
    strm.wait();
  });
  double maxQ = 0, maxD = 0;
  for (int s = 0; s < 256; ++s) {
    int64_t m = (s * 7919) % M, n = (s * 104729) % N;
    double want = 0, scale = 0;
    for (int64_t k = 0; k < K; ++k) {
      double p = (double)x[m * K + k] * wAt(k, n);
      want += p;
      scale += std::fabs(p);
    }
    maxQ = std::max(maxQ, std::fabs(yq[m * N + n] - want) / (scale + 1e-30));
    maxD = std::max(maxD, std::fabs(yd[m * N + n] - want) / (scale + 1e-30));
  }
  bool ok = maxQ <= 1e-5;
  double ops = 2.0 * M * N * K;
  std::printf("%-7s %5ld %6ld %5ld %4s | %9.1f %9.1f | %6.3f | %-6s | "
              "%s: max err %.1e (quantc %.1e)\n",
              c.kind.c_str(), (long)M, (long)N, (long)K, thr ? thr : "?",
              ops / tq * 1e-9, ops / td * 1e-9, td / tq, ok ? "ok" : "WRONG",
              pd.impl_info_str(), maxD, maxQ);
  std::fflush(stdout);
  return ok;
}

/// The batched cases (bgemm): quantc's kernel loop against a 3-D oneDNN
/// matmul on the same plain s8 buffers, s32 results compared exactly at 256
/// positions on both sides. Returns whether quantc's were all exact.
static bool runBatched(const char *only, const char *thr, engine &eng,
                       stream &strm) {
  bool allOk = true;
  for (const BatchedCase &c : batchedCases()) {
    int64_t B = c.B, M = c.M, N = c.N, K = c.K;
    const char *kind = c.nn ? "bgemmnn" : "bgemm";
    std::string name = std::string(kind) + "_" + std::to_string(B) + "x" +
                       std::to_string(M) + "x" + std::to_string(N) + "x" +
                       std::to_string(K);
    if (only && name != only && std::string(kind) != only)
      continue;
    // W[b, n, k], stored [B, N, K] or (nn) [B, K, N].
    auto wAt = [&](int64_t b, int64_t n, int64_t k) {
      return c.nn ? (b * K + k) * N + n : (b * N + n) * K + k;
    };
    std::vector<int8_t> x(B * M * K), w(B * N * K);
    for (int64_t i = 0; i < B * M * K; ++i)
      x[i] = static_cast<int8_t>((i * 2654435761u >> 13) % 256 - 128);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t k = 0; k < K; ++k)
          w[wAt(b, n, k)] = weight(n + b, k);
    std::vector<int32_t> yq(B * M * N), yd(B * M * N);
    auto xd = view3(x.data(), B, M, K);
    auto wd = c.nn ? view3(w.data(), B, K, N) : view3(w.data(), B, N, K);
    auto yqd = view3(yq.data(), B, M, N);
    // oneDNN: weights {B, K, N} stored [B, N, K] (tag::acb) or [B, K, N]
    // (tag::abc), plain.
    memory::desc srcMd({B, M, K}, dt::s8, tag::abc);
    memory::desc weiMd({B, K, N}, dt::s8, c.nn ? tag::abc : tag::acb);
    memory::desc dstMd({B, M, N}, dt::s32, tag::abc);
    matmul::primitive_desc pd(matmul::desc(srcMd, weiMd, dstMd), eng);
    matmul mm(pd);
    memory src(srcMd, eng, x.data()), wei(weiMd, eng, w.data()),
        dst(dstMd, eng, yd.data());
    auto [tq, td] = timeBoth([&] { c.fn(&xd, &wd, &yqd); },
                             [&] {
                               mm.execute(strm, {{DNNL_ARG_SRC, src},
                                                 {DNNL_ARG_WEIGHTS, wei},
                                                 {DNNL_ARG_DST, dst}});
                               strm.wait();
                             });
    int badQ = 0, badD = 0;
    for (int s = 0; s < 256; ++s) {
      int64_t b = (s * 31) % B, m = (s * 7919) % M, n = (s * 104729) % N;
      int64_t acc = 0;
      for (int64_t k = 0; k < K; ++k)
        acc += (int64_t)x[(b * M + m) * K + k] * w[wAt(b, n, k)];
      badQ += yq[(b * M + m) * N + n] != acc;
      badD += yd[(b * M + m) * N + n] != acc;
    }
    allOk &= badQ == 0;
    double ops = 2.0 * B * M * N * K;
    std::printf("%s%-2ld %5ld %6ld %5ld %4s | %9.1f %9.1f | %6.3f | %-6s | "
                "%s: %s\n",
                kind, (long)B, (long)M, (long)N, (long)K, thr ? thr : "?",
                ops / tq * 1e-9, ops / td * 1e-9, td / tq,
                badQ ? "WRONG" : "exact", pd.impl_info_str(),
                badD ? "WRONG" : "exact");
    std::fflush(stdout);
  }
  return allOk;
}

/// A weight-only case: quantc's W8A16 kernel (int8 weight, f32 x) and
/// oneDNN's f32 matmul on the dequantized weight, both warm (the same
/// weights on every call). Spot checks: 256 outputs against a double dot
/// product with the dequantized weight, error relative to sum_k |x||w|
/// (quantc must stay within 1e-5).
static bool runWeightOnly(const Case &c, engine &eng, stream &strm,
                          const char *thr) {
  int64_t M = c.M, N = c.N, K = c.K;
  bool int4 = c.kind == "w4a16";
  bool constant = c.kind == "w8a16c" || int4;
  // The dequantized weight element (k, n) of the case.
  auto wDeq = [&](int64_t k, int64_t n) -> double {
    return int4 ? (double)weight4(n, k) * gscale(n, k / 128)
                : (double)weight(n, k) * wscale(n);
  };
  std::vector<float> x(M * K), wf(N * K), yq(M * N), yd(M * N);
  std::vector<int8_t> q(K * N);
  for (int64_t i = 0; i < M * K; ++i)
    x[i] = std::sin(0.001f * i) * (1 + (i % 13));
  // w(k, n) = weight(n, k) * wscale(n); q stored [K, N] (the run-time
  // argument), wf stored [K, N] (w8a16) or [N, K] (w8a16c, as the constant).
  auto wfAt = [&](int64_t k, int64_t n) -> float & {
    return constant ? wf[n * K + k] : wf[k * N + n];
  };
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n) {
      q[k * N + n] = weight(n, k);
      wfAt(k, n) = static_cast<float>(wDeq(k, n));
    }
  auto xd = view(x.data(), M, K);
  auto qd = view(q.data(), K, N);
  auto yqd = view(yq.data(), M, N);
  double tq = int4       ? timeWeightOnly([&] { c.w4a16(&xd, &yqd); })
              : constant ? timeWeightOnly([&] { c.w8a16c(&xd, &yqd); })
                         : timeWeightOnly([&] { c.w8a16(&xd, &qd, &yqd); });
  memory::desc srcMd({M, K}, dt::f32, tag::ab);
  memory::desc weiMd({K, N}, dt::f32, constant ? tag::ba : tag::ab);
  memory::desc dstMd({M, N}, dt::f32, tag::ab);
  matmul::primitive_desc pd(matmul::desc(srcMd, weiMd, dstMd), eng);
  matmul mm(pd);
  memory src(srcMd, eng, x.data()), wei(weiMd, eng, wf.data()),
      dst(dstMd, eng, yd.data());
  double td = timeWeightOnly([&] {
    mm.execute(
        strm,
        {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}});
    strm.wait();
  });
  double maxQ = 0, maxD = 0;
  for (int s = 0; s < 256; ++s) {
    int64_t m = (s * 7919) % M, n = (s * 104729) % N;
    double want = 0, scale = 0;
    for (int64_t k = 0; k < K; ++k) {
      double p = (double)x[m * K + k] * wDeq(k, n);
      want += p;
      scale += std::fabs(p);
    }
    maxQ = std::max(maxQ, std::fabs(yq[m * N + n] - want) / (scale + 1e-30));
    maxD = std::max(maxD, std::fabs(yd[m * N + n] - want) / (scale + 1e-30));
  }
  bool ok = maxQ <= 1e-5;
  double ops = 2.0 * M * N * K;
  std::printf("%-7s %5ld %6ld %5ld %4s | %9.1f %9.1f | %6.3f | %-6s | "
              "%s: max err %.1e (quantc %.1e)\n",
              c.kind.c_str(), (long)M, (long)N, (long)K, thr ? thr : "?",
              ops / tq * 1e-9, ops / td * 1e-9, td / tq, ok ? "ok" : "WRONG",
              pd.impl_info_str(), maxD, maxQ);
  std::fflush(stdout);
  return ok;
}

/// Asks Linux for the AMX tile state (ARCH_REQ_XCOMP_PERM, XTILEDATA): off
/// per process until requested, and quantc's AMX kernels fault without it.
static bool requestAmx() {
#if defined(__linux__)
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return false;
#endif
}

int main(int argc, char **argv) {
  const char *only = nullptr;
  const char *maxIsa = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--onednn-max-isa=", 0) == 0) {
      maxIsa = argv[i] + std::strlen("--onednn-max-isa=");
      continue;
    }
    if (a.rfind("--", 0) == 0 || only) {
      std::fprintf(stderr,
                   "usage: %s [--onednn-max-isa=vnni|amx|avx2] [CASE]\n",
                   argv[0]);
      return 2;
    }
    only = argv[i];
  }
  // Before oneDNN's first primitive: it reads the limit once.
  if (maxIsa) {
    std::string m = maxIsa;
    if (m != "vnni" && m != "amx" && m != "avx2") {
      std::fprintf(stderr,
                   "--onednn-max-isa takes vnni, amx or avx2, not '%s'\n",
                   maxIsa);
      return 2;
    }
    cpu_isa limit = m == "vnni"  ? cpu_isa::avx512_core_vnni
                    : m == "amx" ? cpu_isa::avx512_core_amx
                                 : cpu_isa::avx2;
    if (set_max_cpu_isa(limit) != status::success) {
      std::fprintf(stderr, "oneDNN refused --onednn-max-isa=%s\n", maxIsa);
      return 2;
    }
  }
  __builtin_cpu_init();
  const std::string isa = QUANTC_BENCH_CPU;
  bool amx = isa == "amx";
  if (amx || isa == "vnni" ? !__builtin_cpu_supports("avx512vnni")
                           : !__builtin_cpu_supports("avx2")) {
    std::fprintf(stderr,
                 "this CPU lacks the instructions quantc's GEMMs were "
                 "compiled for (cpu=%s) and cannot run them\n",
                 isa.c_str());
    return 2;
  }
  if (amx && !requestAmx()) {
    std::fprintf(stderr, "cpu=amx: Linux refused the AMX tile state "
                         "(arch_prctl ARCH_REQ_XCOMP_PERM XTILEDATA), or the "
                         "CPU has no AMX\n");
    return 2;
  }
  std::printf("quantc: --quantc-cpu-pipeline=cpu=%s; oneDNN %d.%d.%d, "
              "effective ISA %d (dnnl_cpu_isa_t)%s%s\n",
              isa.c_str(), dnnl_version()->major, dnnl_version()->minor,
              dnnl_version()->patch, (int)get_effective_cpu_isa(),
              maxIsa ? ", limited by --onednn-max-isa=" : "",
              maxIsa ? maxIsa : "");
  const char *thr = std::getenv("OMP_NUM_THREADS");
  engine eng(engine::kind::cpu, 0);
  stream strm(eng);
  std::printf("%-7s %5s %6s %5s %4s | %9s %9s | %6s | %-6s | %s\n", "kind", "M",
              "N", "K", "thr", "quantc", "oneDNN", "ratio", "quantc",
              "oneDNN impl: check");
  bool allOk = true;
  for (const Case &c : cases()) {
    if (only &&
        c.kind + "_" + std::to_string(c.M) + "x" + std::to_string(c.N) + "x" +
                std::to_string(c.K) !=
            only &&
        c.kind != only)
      continue;
    if (c.sgemm) {
      allOk &= runFloat(c, eng, strm, thr);
      continue;
    }
    if (c.w8a16 || c.w8a16c || c.w4a16) {
      allOk &= runWeightOnly(c, eng, strm, thr);
      continue;
    }
    int64_t M = c.M, N = c.N, K = c.K;
    double ops = 2.0 * M * N * K;
    std::vector<int8_t> w(N * K);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k)
        w[n * K + k] = weight(n, k);
    std::vector<float> ws(N);
    for (int64_t n = 0; n < N; ++n)
      ws[n] = wscale(n);
    std::vector<float> yq(M * N), yd(M * N);

    // oneDNN: weights {K, N} given as W [N, K] (tag::ba), prepacked; for
    // rgemm used as they are (plain tag::ba, no reorder).
    bool runtimeWeight = c.kind == "rgemm";
    memory::desc srcMd({M, K}, dt::s8, tag::ab);
    memory::desc weiAny({K, N}, dt::s8, runtimeWeight ? tag::ba : tag::any);
    memory::desc dstMd({M, N}, dt::f32, tag::ab);
    primitive_attr attr;
    std::vector<float> outScales(N);
    float xsStatic = 0.02f;
    bool dynamic = c.kind == "linear";
    if (dynamic) {
      attr.set_output_scales(1 << 1, {DNNL_RUNTIME_F32_VAL});
    } else {
      for (int64_t n = 0; n < N; ++n)
        outScales[n] = xsStatic * ws[n];
      attr.set_output_scales(1 << 1, outScales);
    }
    matmul::primitive_desc pd(matmul::desc(srcMd, weiAny, dstMd), attr, eng);
    memory weiUser({{K, N}, dt::s8, tag::ba}, eng, w.data());
    memory wei = weiUser;
    if (!runtimeWeight) {
      wei = memory(pd.weights_desc(), eng);
      reorder(weiUser, wei).execute(strm, weiUser, wei);
      strm.wait();
    }
    matmul mm(pd);
    memory dst(dstMd, eng, yd.data());
    std::string impl = pd.impl_info_str();

    double tq = 0, td = 0;
    Check cq, cd;
    if (!dynamic) {
      std::vector<int8_t> x(M * K);
      for (int64_t i = 0; i < M * K; ++i)
        x[i] = static_cast<int8_t>((i * 2654435761u >> 13) % 256 - 128);
      float xs = xsStatic;
      auto xd = view(x.data(), M, K);
      auto xsd = view(&xs, 1, 1);
      auto yqd = view(yq.data(), M, N);
      auto wd = view(w.data(), N, K);
      memory src(srcMd, eng, x.data());
      std::tie(tq, td) = timeBoth(
          [&] {
            if (runtimeWeight)
              c.rgemm(&xd, &wd, &xsd, &yqd);
            else
              c.gemm(&xd, &xsd, &yqd);
          },
          [&] {
            mm.execute(strm, {{DNNL_ARG_SRC, src},
                              {DNNL_ARG_WEIGHTS, wei},
                              {DNNL_ARG_DST, dst}});
            strm.wait();
          });
      cq = spotCheck(c, x, {xs}, yq, /*bitExact=*/true);
      cd = spotCheck(c, x, {xs}, yd, /*bitExact=*/false);
    } else {
      std::vector<float> xf(M * K);
      for (int64_t i = 0; i < M * K; ++i)
        xf[i] = std::sin(0.001f * i) * (1 + (i % 13));
      auto xfd = view(xf.data(), M, K);
      auto yqd = view(yq.data(), M, N);
      tq = timeIt([&] { c.linear(&xfd, &yqd); });
      // oneDNN side: per-token quantization in C++, GEMM with run-time
      // per-column scales, per-row dequantization.
      std::vector<int8_t> xq(M * K);
      std::vector<float> xs(M);
      memory src(srcMd, eng, xq.data());
      memory scl({{N}, dt::f32, tag::x}, eng, ws.data());
      td = timeIt([&] {
        for (int64_t m = 0; m < M; ++m) {
          const float *r = &xf[m * K];
          float amax = 0;
          for (int64_t k = 0; k < K; ++k)
            amax = std::max(amax, std::fabs(r[k]));
          float s = amax == 0 ? 1.0f : amax / 127.0f;
          xs[m] = s;
          for (int64_t k = 0; k < K; ++k)
            xq[m * K + k] = static_cast<int8_t>(
                std::min(127.0f, std::max(-127.0f, std::nearbyint(r[k] / s))));
        }
        mm.execute(strm, {{DNNL_ARG_SRC, src},
                          {DNNL_ARG_WEIGHTS, wei},
                          {DNNL_ARG_DST, dst},
                          {DNNL_ARG_ATTR_OUTPUT_SCALES, scl}});
        strm.wait();
        for (int64_t m = 0; m < M; ++m)
          for (int64_t n = 0; n < N; ++n)
            yd[m * N + n] *= xs[m];
      });
      // Both sides quantize the same way (absmax / 127, round half to
      // even): xq and xs (computed by the oneDNN side's loop) are the
      // reference's int8 input and scales.
      cq = spotCheck(c, xq, xs, yq, /*bitExact=*/true);
      cd = spotCheck(c, xq, xs, yd, /*bitExact=*/false);
    }
    allOk &= cq.bad == 0;
    char dnnlCheck[64];
    if (cd.bad)
      std::snprintf(dnnlCheck, sizeof dnnlCheck, "%d/256 wrong, max rel %.1e",
                    cd.bad, cd.maxRel);
    else
      std::snprintf(dnnlCheck, sizeof dnnlCheck, "ok");
    std::printf("%-7s %5ld %6ld %5ld %4s | %9.1f %9.1f | %6.3f | %-6s | "
                "%s: %s\n",
                c.kind.c_str(), (long)M, (long)N, (long)K, thr ? thr : "?",
                ops / tq * 1e-9, ops / td * 1e-9, td / tq,
                cq.bad ? "WRONG" : "exact", impl.c_str(), dnnlCheck);
    std::fflush(stdout);
  }
  allOk &= runBatched(only, thr, eng, strm);
  std::printf("GOPS = 2*M*N*K / best time; ratio = oneDNN time / quantc time "
              "(> 1: quantc faster); checks: 256 outputs against an int64 dot "
              "product (quantc bit for bit, oneDNN within 1e-5); float "
              "(sgemm*): GFLOPS, error / sum|x||w| against a double dot "
              "product (quantc within 1e-5)\n");
  return allOk ? 0 : 1;
}
