//===- QuantCGPU.cpp - GPU kernel launch attributes -----------------------===//
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace quantc;

/// `[a, b, c]`, as the attribute spells it.
static std::string str(DenseI64ArrayAttr a) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(a.asArrayRef(), os);
  os << "]";
  return s;
}

LogicalResult
GpuLaunchAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      SymbolRefAttr kernel, DenseI64ArrayAttr grid,
                      DenseI64ArrayAttr block, int64_t sharedBytes,
                      DenseI64ArrayAttr tmaBox) {
  // gpu.launch_func names a kernel inside a gpu.module.
  if (!kernel || kernel.getNestedReferences().size() != 1)
    return emitError() << "kernel must be @gpu_module::@kernel, got " << kernel;
  auto dims = [&](StringRef what, DenseI64ArrayAttr a) -> LogicalResult {
    if (!a || a.size() != 3)
      return emitError() << what << " must have 3 dimensions (x, y, z)";
    if (llvm::any_of(a.asArrayRef(), [](int64_t d) { return d <= 0; }))
      return emitError() << what << " sizes must be positive, got " << str(a);
    return success();
  };
  if (failed(dims("grid", grid)) || failed(dims("block", block)))
    return failure();
  int64_t threads = block[0] * block[1] * block[2];
  if (threads > 1024)
    return emitError() << "block has " << threads << " threads, more than 1024";
  if (sharedBytes < 0 || sharedBytes > kMaxSharedBytes)
    return emitError() << "shared_bytes must be in [0, " << kMaxSharedBytes
                       << "], got " << sharedBytes;
  if (!tmaBox)
    return success();
  // [rows of A, rows of B, bytes of K]: a TMA box has at most 256 elements
  // per dimension, and a 128-byte-swizzled one at most 128 inner bytes.
  if (tmaBox.size() != 3)
    return emitError() << "tma_box must have 3 entries (rows of A, rows of B, "
                          "bytes of K), got "
                       << tmaBox.size();
  if (llvm::any_of(tmaBox.asArrayRef(),
                   [](int64_t d) { return d <= 0 || d > 256; }))
    return emitError() << "tma_box entries must be in [1, 256], got "
                       << str(tmaBox);
  if (tmaBox[2] > 128)
    return emitError() << "tma_box K must be at most 128 bytes (the "
                          "128-byte swizzle), got "
                       << tmaBox[2];
  return success();
}
