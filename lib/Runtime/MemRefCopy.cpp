//===- MemRefCopy.cpp - memrefCopy for executables without LLVM ----------===//
//
// The host lowering of a memref.copy whose operands it cannot prove
// contiguous (dynamic shapes with a strided layout, e.g. the rows of a
// dynamic-M activation copied into its zero-padded buffer) calls
// `memrefCopy(elemSize, src, dst)` on unranked descriptors, the function
// upstream ships in libmlir_c_runner_utils. Executables built by quantc-aot
// link only this runtime, so it carries its own, with the same signature;
// the JIT (lib/Facade) resolves the symbol to it too.
//
//===----------------------------------------------------------------------===//
#include "quantc/Runtime/MemRefCopy.h"

#include <cstring>
#include <vector>

namespace {
/// `!llvm.struct<(i64, ptr)>`: the rank and the ranked descriptor
/// {allocated, aligned, offset, sizes[rank], strides[rank]}, all 8 bytes.
struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
};

struct View {
  char *data;
  const int64_t *sizes, *strides;
  View(const UnrankedMemRef &m, int64_t elemSize) {
    auto *fields = static_cast<const int64_t *>(m.descriptor);
    char *aligned;
    std::memcpy(&aligned, &fields[1], sizeof(aligned));
    data = aligned + fields[2] * elemSize;
    sizes = fields + 3;
    strides = fields + 3 + m.rank;
  }
};
} // namespace

void memrefCopy(int64_t elemSize, void *srcDescriptor, void *dstDescriptor) {
  auto *srcArg = static_cast<UnrankedMemRef *>(srcDescriptor);
  auto *dstArg = static_cast<UnrankedMemRef *>(dstDescriptor);
  const int64_t rank = srcArg->rank;
  View src(*srcArg, elemSize), dst(*dstArg, elemSize);
  if (rank == 0) {
    std::memcpy(dst.data, src.data, elemSize);
    return;
  }
  for (int64_t d = 0; d < rank; ++d)
    if (src.sizes[d] == 0)
      return;
  // Innermost runs that are contiguous in both are copied at once.
  const int64_t inner = rank - 1;
  const bool run = src.strides[inner] == 1 && dst.strides[inner] == 1;
  const int64_t runBytes = run ? src.sizes[inner] * elemSize : elemSize;
  const int64_t outer = run ? inner : rank;
  std::vector<int64_t> index(rank, 0);
  for (;;) {
    int64_t s = 0, t = 0;
    for (int64_t d = 0; d < outer; ++d) {
      s += index[d] * src.strides[d];
      t += index[d] * dst.strides[d];
    }
    std::memcpy(dst.data + t * elemSize, src.data + s * elemSize, runBytes);
    // Next index of the first `outer` dimensions, innermost fastest.
    int64_t d = outer - 1;
    while (d >= 0 && ++index[d] == src.sizes[d])
      index[d--] = 0;
    if (d < 0)
      return;
  }
}
