//===- quantc-probe.cpp - measure this machine's roofline -----------------===//
//
// Writes the target description that --quantc-select-scheme and
// --quantc-report-cost read with target-file=: {"name", "peak_int8",
// "peak_fp16", "bandwidth"}. Measuring is this explicit command's job,
// never a pass's, so that compiler output stays deterministic.
//
// Three short loops per thread, best of several repetitions:
//   float peak: independent FMA chains (AVX-512 zmm, else AVX2 ymm), 2 ops
//     per lane and instruction;
//   int8 peak: independent vpdpbusd chains (AVX-512 VNNI: 64 multiply-adds,
//     128 ops per instruction), else vpmaddubsw (AVX2: 32 multiply-adds per
//     instruction, without the accumulation a GEMM needs: an upper bound);
//   bandwidth: a summing read of a buffer much larger than the caches.
// The figures are peaks of these loops, not of a GEMM: the roofline's ceiling.
//
//===----------------------------------------------------------------------===//
#include <immintrin.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kChains = 12;

/// Keeps a register value alive without a store the loop would need (a
/// macro: it must expand inside each function's target attributes).
#define KEEP(v) asm volatile("" : "+v"(v))

__attribute__((target("avx512f"))) double fmaAvx512(long iters) {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm512_set1_ps(static_cast<float>(i));
  __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-3f);
  for (long it = 0; it < iters; ++it) {
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    for (int i = 0; i < kChains; ++i)
      KEEP(acc[i]);
  }
  return double(iters) * kChains * 16 * 2;
}

__attribute__((target("avx2,fma"))) double fmaAvx2(long iters) {
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm256_set1_ps(static_cast<float>(i));
  __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-3f);
  for (long it = 0; it < iters; ++it) {
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    for (int i = 0; i < kChains; ++i)
      KEEP(acc[i]);
  }
  return double(iters) * kChains * 8 * 2;
}

__attribute__((target("avx512f,avx512vnni"))) double vnni(long iters) {
  __m512i acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm512_set1_epi32(i);
  __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-5);
  for (long it = 0; it < iters; ++it) {
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
    for (int i = 0; i < kChains; ++i)
      KEEP(acc[i]);
  }
  return double(iters) * kChains * 64 * 2;
}

__attribute__((target("avx2"))) double maddubs(long iters) {
  __m256i acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm256_set1_epi8(static_cast<char>(i));
  __m256i b = _mm256_set1_epi8(1);
  for (long it = 0; it < iters; ++it) {
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm256_maddubs_epi16(acc[i], b);
    for (int i = 0; i < kChains; ++i)
      KEEP(acc[i]);
  }
  return double(iters) * kChains * 32 * 2;
}

/// Sums `n` 64-bit words; the result is returned so the reads stay.
__attribute__((noinline)) uint64_t readAll(const uint64_t *p, size_t n) {
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (size_t i = 0; i + 4 <= n; i += 4) {
    s0 += p[i];
    s1 += p[i + 1];
    s2 += p[i + 2];
    s3 += p[i + 3];
  }
  return s0 + s1 + s2 + s3;
}

/// Runs `work(thread)` on `threads` threads at once, best of `reps`;
/// returns units (what work returns, summed) per second.
template <typename F> double rate(int threads, int reps, F work) {
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    std::vector<double> units(threads);
    std::vector<std::thread> pool;
    auto t0 = Clock::now();
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { units[t] = work(t); });
    for (std::thread &th : pool)
      th.join();
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    double total = 0;
    for (double u : units)
      total += u;
    best = std::max(best, total / s);
  }
  return best;
}

int usage(const char *argv0) {
  std::fprintf(stderr,
               "usage: %s [-o FILE] [--name NAME] [--threads N] [--mib N]\n"
               "Measures float FMA and int8 dot-product peaks and the memory "
               "read bandwidth\nof this machine and writes them as a "
               "quantc target description (JSON).\n",
               argv0);
  return 2;
}

/// `text` as a decimal integer in [lo, hi]: the whole string, no sign other
/// than '-', no exponent or suffix ("1e3", "1x" and "" are refused), no
/// overflow.
bool parseInt(const char *text, long lo, long hi, long &out) {
  if (!*text ||
      !(std::isdigit(static_cast<unsigned char>(*text)) || *text == '-'))
    return false;
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(text, &end, 10);
  if (errno == ERANGE || end == text || *end != '\0' || v < lo || v > hi)
    return false;
  out = static_cast<long>(v);
  return true;
}

/// The machine's physical memory in MiB (1 TiB when unknown).
long physicalMiB() {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || size <= 0)
    return 1L << 20;
  return std::max(1L,
                  static_cast<long>(static_cast<unsigned long long>(pages) *
                                        static_cast<unsigned long long>(size) >>
                                    20));
}

} // namespace

int main(int argc, char **argv) {
  std::string out, name = "host-measured";
  long hw =
      std::max(1L, static_cast<long>(std::thread::hardware_concurrency()));
  // More threads than 4 per hardware thread measure nothing more (and a
  // billion would never finish); the buffer must fit in physical memory.
  long maxThreads = 4 * hw, maxMib = physicalMiB();
  long threads = hw;
  long mib = std::min(1024L, maxMib);
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char * {
      return i + 1 < argc ? argv[++i] : nullptr;
    };
    const char *v = nullptr;
    if ((a == "-o" || a == "--name" || a == "--threads" || a == "--mib") &&
        !(v = next()))
      return usage(argv[0]);
    if (a == "-o")
      out = v;
    else if (a == "--name")
      name = v;
    else if (a == "--threads" || a == "--mib") {
      bool threadsOpt = a == "--threads";
      long hi = threadsOpt ? maxThreads : maxMib;
      if (!parseInt(v, 1, hi, threadsOpt ? threads : mib)) {
        std::fprintf(stderr,
                     "quantc-probe: %s must be an integer from 1 to %ld (%s), "
                     "got '%s'\n",
                     a.c_str(), hi,
                     threadsOpt ? "4 per hardware thread"
                                : "this machine's memory in MiB",
                     v);
        return 2;
      }
    } else
      return usage(argv[0]);
  }
  if (name.empty() || name.find_first_of("\"\\") != std::string::npos) {
    std::fprintf(stderr,
                 "quantc-probe: --name must be non-empty without quotes\n");
    return 2;
  }

  __builtin_cpu_init();
  bool avx512 = __builtin_cpu_supports("avx512f");
  bool hasVnni = avx512 && __builtin_cpu_supports("avx512vnni");
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!avx512 && !avx2) {
    std::fprintf(stderr, "quantc-probe: needs AVX2+FMA or AVX-512\n");
    return 1;
  }
  constexpr long kIters = 20'000'000; // ~0.1-0.3 s per thread and loop
  double fp = rate(threads, 3, [&](int) {
    return avx512 ? fmaAvx512(kIters) : fmaAvx2(kIters);
  });
  double i8 = rate(threads, 3, [&](int) {
    return hasVnni ? vnni(kIters) : maddubs(kIters);
  });

  size_t words = static_cast<size_t>(mib) * (1 << 20) / sizeof(uint64_t);
  words -= words % (4 * static_cast<size_t>(threads));
  std::vector<uint64_t> buf;
  try {
    buf.resize(words);
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "quantc-probe: cannot allocate %ld MiB (--mib)\n",
                 mib);
    return 1;
  }
  for (size_t i = 0; i < words; ++i) // touch every page before timing
    buf[i] = i;
  size_t slice = words / threads;
  volatile uint64_t sink = 0;
  double bw = rate(threads, 5, [&](int t) {
    sink += readAll(buf.data() + t * slice, slice);
    return double(slice * sizeof(uint64_t));
  });

  char json[512];
  std::snprintf(json, sizeof json,
                "{\"name\": \"%s\", \"peak_int8\": %.4g, \"peak_fp16\": %.4g, "
                "\"bandwidth\": %.4g, \"threads\": %ld, \"int8_loop\": \"%s\", "
                "\"float_loop\": \"%s\", \"read_mib\": %ld}\n",
                name.c_str(), i8, fp, bw, threads,
                hasVnni ? "vpdpbusd zmm" : "vpmaddubsw ymm",
                avx512 ? "vfmadd zmm f32" : "vfmadd ymm f32", mib);
  if (out.empty()) {
    std::fputs(json, stdout);
    return 0;
  }
  FILE *f = std::fopen(out.c_str(), "w");
  if (!f || std::fputs(json, f) < 0 || std::fclose(f) != 0) {
    std::fprintf(stderr, "quantc-probe: cannot write '%s': %s\n", out.c_str(),
                 std::strerror(errno));
    return 1;
  }
  return 0;
}
