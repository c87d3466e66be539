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
                      DenseI64ArrayAttr tmaBox, DenseI64ArrayAttr blockTile) {
  // gpu.launch_func names a kernel inside a gpu.module.
  if (!kernel || kernel.getNestedReferences().size() != 1)
    return emitError() << "kernel must be @gpu_module::@kernel, got " << kernel;
  auto dims = [&](StringRef what, DenseI64ArrayAttr a) -> LogicalResult {
    if (!a || a.size() != 3)
      return emitError() << what << " must have 3 dimensions (x, y, z)";
    return success();
  };
  auto positive = [&](StringRef what, ArrayRef<int64_t> sizes,
                      DenseI64ArrayAttr a) -> LogicalResult {
    if (llvm::any_of(sizes, [](int64_t d) { return d <= 0; }))
      return emitError() << what << " sizes must be positive, got " << str(a);
    return success();
  };
  if (failed(dims("grid", grid)) || failed(dims("block", block)))
    return failure();
  // grid.x = 0 stands for the count computed at run time from the rows of A,
  // which block_tile says how to compute.
  if (blockTile && grid[0] != 0)
    return emitError() << "with block_tile, grid.x must be 0 (computed at run "
                          "time from the rows of A), got "
                       << str(grid);
  if (!blockTile && grid[0] == 0)
    return emitError() << "grid.x = 0 (computed at run time from the rows of "
                          "A) needs block_tile = [rows, columns]";
  if (failed(positive("grid", grid.asArrayRef().drop_front(blockTile ? 1 : 0),
                      grid)) ||
      failed(positive("block", block.asArrayRef(), block)))
    return failure();
  if (blockTile &&
      (blockTile.size() != 2 ||
       llvm::any_of(blockTile.asArrayRef(), [](int64_t d) { return d <= 0; })))
    return emitError() << "block_tile must be 2 positive sizes (rows, columns "
                          "of the output per thread block), got "
                       << str(blockTile);
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
  // The box of A and B is the block's tile of the output.
  if (blockTile && (tmaBox[0] != blockTile[0] || tmaBox[1] != blockTile[1]))
    return emitError() << "tma_box rows (" << tmaBox[0] << " of A, "
                       << tmaBox[1] << " of B) must be the block_tile "
                       << str(blockTile);
  return success();
}
