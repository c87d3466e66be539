//===- CpuFeatures.cpp - checking an artifact's CPU features --------------===//
//
// cpuid says what the CPU implements, XCR0 (xgetbv) which register state the
// OS saves: AVX code needs the YMM state, AVX-512 the opmask and ZMM state,
// AMX the tile state, which Linux enables per process on request.
//
//===----------------------------------------------------------------------===//
#include "CpuFeatures.h"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

using namespace quantc::runtime;

namespace {
struct Feature {
  const char *name;
  unsigned leaf, subleaf, reg, bit;
  uint64_t xcr0;
};

const Feature kFeatures[] = {
#define QUANTC_CPU_FEATURE(name, leaf, subleaf, reg, bit, xcr0)                \
  {name, leaf, subleaf, reg, bit, xcr0},
#include "quantc/Runtime/CpuFeatures.def"
};

#if defined(__x86_64__) || defined(__i386__)
/// Whether cpuid(leaf, subleaf) has `bit` set in register `reg`.
bool cpuHas(unsigned leaf, unsigned subleaf, unsigned reg, unsigned bit) {
  unsigned maxLeaf = __get_cpuid_max(leaf & 0x80000000u, nullptr);
  if (maxLeaf < leaf)
    return false;
  unsigned r[4] = {0, 0, 0, 0};
  __cpuid_count(leaf, subleaf, r[0], r[1], r[2], r[3]);
  return (r[reg] >> bit) & 1;
}

/// XCR0: the register state the OS saves (0 without OSXSAVE).
uint64_t xcr0() {
  if (!cpuHas(1, 0, 2, 27))
    return 0;
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

/// Asks Linux for the AMX tile data state (off by default per process).
bool amxPermitted() {
#if defined(__linux__)
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return true;
#endif
}
#endif
} // namespace

std::vector<std::string>
quantc::runtime::missingCpuFeatures(const std::vector<std::string> &required) {
  std::vector<std::string> missing;
#if defined(__x86_64__) || defined(__i386__)
  uint64_t osState = xcr0();
  bool amxAsked = false, amxOk = false;
  for (const std::string &name : required) {
    const Feature *f = nullptr;
    for (const Feature &k : kFeatures)
      if (name == k.name)
        f = &k;
    if (!f) {
      missing.push_back(name + " (unknown to this runtime)");
      continue;
    }
    if (!cpuHas(f->leaf, f->subleaf, f->reg, f->bit)) {
      missing.push_back(name);
      continue;
    }
    bool osOk = (osState & f->xcr0) == f->xcr0;
    if (osOk && (f->xcr0 & 0x60000)) {
      if (!amxAsked) {
        amxOk = amxPermitted();
        amxAsked = true;
      }
      osOk = amxOk;
    }
    if (!osOk)
      missing.push_back(name + " (disabled by the OS)");
  }
#else
  for (const std::string &name : required)
    missing.push_back(name + " (not an x86 CPU)");
#endif
  return missing;
}
