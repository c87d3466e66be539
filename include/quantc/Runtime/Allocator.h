//===- Allocator.h - the heap settings compiled code runs with --*- C++ -*-===//
//
// Compiled CPU code allocates its temporaries (a prefill's [H, S, S]
// attention scores: 16 MiB at 512 tokens) with malloc and frees them before
// it returns. glibc returns such blocks to the kernel (munmap, or a trim of
// the heap top) and the next call faults every page in again: 33-40 % of a
// prefill's time (docs/benchmarks/e2e.md). `configureAllocator` keeps them.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_RUNTIME_ALLOCATOR_H
#define QUANTC_RUNTIME_ALLOCATOR_H

namespace quantc {

/// Once per process (thread-safe, idempotent), on glibc: blocks up to 32 MiB
/// (glibc's largest mmap threshold) come from the heap instead of mmap, and
/// freed memory at the top of the heap is kept (no trim), so repeated calls
/// reuse pages that are already mapped. Called when compiled code is loaded
/// (a JIT module is created, an artifact is loaded); the environment's
/// MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_, when set, win. The cost
/// is memory the process keeps mapped after a call (its peak heap).
/// Returns whether the settings were applied (false off glibc or when the
/// environment sets them).
bool configureAllocator();

} // namespace quantc

#endif // QUANTC_RUNTIME_ALLOCATOR_H
