//===- SplitKKernel.h - the split-K decode GEMM kernel ----------*- C++ -*-===//
//
// Decode-shaped int8 GEMMs (M = 1..16 rows, a large N x K weight) are bound
// by reading the weight once. The split-K kernel gives every thread block a
// 128-column tile and a slice of K, so that the grid fills the chip; the
// slices are summed with int32 atomics in a per-call workspace and the last
// block of a column tile to arrive runs the fused epilogue.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOGPU_SPLITKKERNEL_H
#define QUANTC_LIB_CONVERSION_QUANTCTOGPU_SPLITKKERNEL_H

#include "quantc/Conversion/QuantCToGPU/GemmKernel.h"
#include "quantc/Conversion/QuantCToGPU/QuantCToGPU.h"

#include <optional>
#include <string>

namespace quantc {

/// What the kernels need to know about a chip.
struct GpuChipInfo {
  /// Streaming multiprocessors (H100 SXM / H200: 132).
  int64_t smCount;
};
/// The description of `chip` (the largest part of its family).
GpuChipInfo getGpuChipInfo(GpuChip chip);

/// The shape of a split-K kernel.
struct SplitKPlan {
  /// Warps per block, n8 MMA tiles per warp, bytes of K per loop step.
  static constexpr int64_t kWarps = 4, kTilesPerWarp = 4, kStepK = 256;
  /// Columns per block.
  static constexpr int64_t kTileN = kWarps * kTilesPerWarp * 8;
  /// At most this many rows (the MMA's M; fewer are zero-padded to it).
  static constexpr int64_t kMaxRows = 16;

  /// The GEMM's real rows (1..16); the kernel reads 16 (zero-padded) rows of
  /// A and writes only these rows of C.
  int64_t rows = 0;
  /// K slices: block (x, y) takes column tile x and slice y of K.
  int64_t splits = 1;

  static int64_t columnTiles(int64_t n) { return (n + kTileN - 1) / kTileN; }
  /// i32 elements of the workspace: the rows x N partial sums, then one
  /// arrival counter per column tile. Zero on entry; the kernel leaves it
  /// zero again.
  int64_t workspaceElems(int64_t n) const { return rows * n + columnTiles(n); }
};

/// Plans the split-K kernel for a GEMM of `rows` real rows (`spec.m` is them
/// padded to 16) on a chip of `smCount` SMs: `splits` = 0 chooses the count
/// (enough blocks for kMinBlocksPerSm per SM, the last wave as full as
/// possible), else that many slices. Sets spec.tiling to the kernel's block
/// shape. Returns why the kernel cannot take the GEMM.
std::optional<std::string> chooseSplitK(GemmKernelSpec &spec, int64_t rows,
                                        int64_t smCount, int64_t splits,
                                        SplitKPlan &plan);

/// `gpu.func @<name>(A, B, C, [xs, ws, bias, os], workspace) kernel`: the
/// split-K kernel, launched on a grid of columnTiles(N) x splits blocks of
/// 128 threads; the workspace is a `memref<workspaceElems x i32>`, zero on
/// entry.
mlir::gpu::GPUFuncOp buildSplitKKernel(mlir::ImplicitLocOpBuilder &b,
                                       const GemmKernelSpec &spec,
                                       const SplitKPlan &plan,
                                       llvm::StringRef name);

} // namespace quantc

#endif
