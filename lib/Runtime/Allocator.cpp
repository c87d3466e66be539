//===- Allocator.cpp - the heap settings compiled code runs with ----------===//
//
// See include/quantc/Runtime/Allocator.h.
//
//===----------------------------------------------------------------------===//
#include "quantc/Runtime/Allocator.h"

#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {
bool apply() {
#if defined(__GLIBC__)
  // The user's own tuning of glibc wins.
  const char *tunables = std::getenv("GLIBC_TUNABLES");
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") ||
      std::getenv("MALLOC_TRIM_THRESHOLD_") ||
      (tunables && (std::strstr(tunables, "mmap_threshold") ||
                    std::strstr(tunables, "trim_threshold"))))
    return false;
  // glibc refuses thresholds above HEAP_MAX_SIZE / 2 (32 MiB on 64-bit).
  constexpr int kMmapThreshold = 32 << 20;
  // Never give the heap top back: a value past any heap this code makes.
  constexpr int kTrimThreshold = 0x7fffffff;
  bool mmap = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1;
  bool trim = mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
  return mmap && trim;
#else
  return false;
#endif
}
} // namespace

bool quantc::configureAllocator() {
  // A function-local static: initialized once, thread-safe.
  static const bool applied = apply();
  return applied;
}
