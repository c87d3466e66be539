//===- MemRefCopy.h - memrefCopy without LLVM's runtime ---------*- C++ -*-===//
//
// `memrefCopy(elemSize, src, dst)`: the copy between two strided memrefs
// (unranked descriptors {rank, ranked descriptor}) that the LLVM lowering of
// memref.copy calls when it cannot prove both operands contiguous. Upstream
// ships it in libmlir_c_runner_utils; quantc's runtimes and its JIT use this
// one (MemRefCopy.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_RUNTIME_MEMREFCOPY_H
#define QUANTC_RUNTIME_MEMREFCOPY_H

#include <cstdint>

extern "C" __attribute__((visibility("default"))) void
memrefCopy(int64_t elemSize, void *srcDescriptor, void *dstDescriptor);

#endif // QUANTC_RUNTIME_MEMREFCOPY_H
