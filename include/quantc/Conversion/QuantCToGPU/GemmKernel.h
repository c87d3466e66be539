//===- GemmKernel.h - int8 Tensor Core GEMM kernel builders -----*- C++ -*-===//
//
// Builds one int8 x int8 -> int32 GEMM kernel with a fused quantc.rescale
// epilogue as a `gpu.func` (gpu, nvgpu, nvvm, vector, scf, arith and memref
// ops), specialised to static N and K, and to M or any M (padded to a
// multiple of the row tile):
//  - buildMmaSyncKernel (sm_80+): cp.async multistage, ldmatrix, mma.sync
//    m16n8k32 s8 (MmaSyncKernel.cpp);
//  - buildWgmmaKernel (sm_90a): 128-byte-swizzled tiles loaded by cp.async
//    or TMA, wgmma m64nNk32 s8 (WgmmaKernel.cpp).
// Every op carries the builder's location: the user's quantc.matmul.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_CONVERSION_QUANTCTOGPU_GEMMKERNEL_H
#define QUANTC_CONVERSION_QUANTCTOGPU_GEMMKERNEL_H

#include "quantc/Dialect/QuantC/IR/QuantCOps.h"
#include "quantc/Dialect/QuantC/Utils/Arithmetic.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <cstdint>
#include <optional>
#include <string>

namespace quantc {

/// The element type a GEMM kernel stores.
enum class GemmOutput { I32, F32, F16, I8 };
llvm::StringRef stringifyGemmOutput(GemmOutput output);
/// The output for element type `t`, or nullopt when no kernel stores it.
std::optional<GemmOutput> getGemmOutput(mlir::Type t);
mlir::Type getElementType(mlir::MLIRContext *ctx, GemmOutput output);

/// An f32 operand of the fused epilogue as the kernel sees it: a [rows,
/// cols] memref (rows padded with the GEMM when it varies along them) read
/// through `broadcast` over the kernel's [m, n] accumulator.
struct GemmEpilogueOperand {
  int64_t rows = 0, cols = 0;
  Broadcast broadcast;
  /// Batched kernels: the operand holds one [rows, cols] matrix per batch
  /// (else one shared by every batch).
  bool perBatch = false;
};

struct GemmTiling {
  int64_t tileM = 128, tileN = 128, tileK = 64; // thread-block tile
  int64_t warpM = 64, warpN = 64;               // warp tile
  int64_t stages = 4;                           // cp.async pipeline depth
  /// Hopper path: one warpgroup (128 threads) per 64 rows, wgmma m64nNk32
  /// with N = tileN, K-major operands with 128-byte swizzle (tileK = 128).
  bool wgmma = false;
  /// wgmma only: tiles arrive by TMA (cp.async.bulk.tensor, 128-byte
  /// swizzle) completing on one mbarrier per stage, issued by thread 0; the
  /// kernel takes the two tensor maps (device pointers) as extra arguments.
  bool tma = false;
  int64_t numThreads() const {
    if (wgmma)
      return tileM / 64 * 128;
    return (tileM / warpM) * (tileN / warpN) * 32;
  }
  /// Bytes of dynamic shared memory (A and B tiles; mma.sync rows padded by 16
  /// bytes so that ldmatrix and cp.async hit distinct banks).
  int64_t sharedBytes() const {
    if (wgmma) // + 1024 to align the 128-byte-swizzle atoms
      return stages * (tileM + tileN) * tileK + 1024;
    return stages * (tileM + tileN) * (tileK + 16);
  }
};

struct GemmKernelSpec {
  /// The kernel's GEMM: M rows (padded to a multiple of 16), N, K. M is
  /// ShapedType::kDynamic for a kernel that serves any number of rows (a
  /// multiple of tiling.tileM, which the host pads to at run time).
  int64_t m = 0, n = 0, k = 0;
  bool hasDynamicM() const { return mlir::ShapedType::isDynamic(m); }
  /// Batched kernels (static batch > 0; 0: one GEMM): blockIdx.z is the
  /// batch, A, B, C and the perBatch epilogue operands hold one matrix per
  /// batch, back to back ([batch, rows, cols]).
  int64_t batch = 0;
  bool isBatched() const { return batch > 0; }
  /// Batched: B has one [n, k] matrix per batch, or one for all (a weight
  /// broadcast over the batch).
  bool rhsPerBatch = true;
  GemmTiling tiling;
  /// FP8 W8A8: A and B are f8E4M3FN (wgmma e4m3 x e4m3, sm_90a only) and the
  /// accumulators f32 (output F32, or the fused epilogue's); else int8 with
  /// i32 accumulators.
  bool fp8 = false;
  GemmOutput output = GemmOutput::I32;
  /// The fused rescale (EpilogueSpec::get of the user's quantc.rescale);
  /// present iff output is not the accumulator's type (I32, F32 for fp8).
  std::optional<EpilogueSpec> epilogue;
  std::optional<GemmEpilogueOperand> xScale, wScale, bias, outputScale;
};

/// The M that the tilings of a dynamic-M kernel are chosen for: a prefill
/// batch of tokens, whose tiles (128 rows) suit large M; a few decode tokens
/// are padded to one such row tile.
constexpr int64_t kDynamicMTilingHint = 4096;

/// Chooses a mma.sync tiling for the shape, or returns a reason it cannot
/// run.
std::optional<std::string> chooseTiling(GemmKernelSpec &spec);

/// Chooses a wgmma (sm_90a) tiling, or returns why the shape does not fit
/// one (the caller then uses the mma.sync kernel).
std::optional<std::string> chooseWgmmaTiling(GemmKernelSpec &spec);

/// Why `spec.tiling` (possibly set by hand) cannot run the GEMM, or nullopt.
std::optional<std::string> checkTiling(const GemmKernelSpec &spec);

/// `gpu.func @<name>(A, B, C, [xs, ws, bias, os]) kernel`: the mma.sync
/// kernel, built at `b`'s location and detached (insert it into a
/// gpu.module).
mlir::gpu::GPUFuncOp buildMmaSyncKernel(mlir::ImplicitLocOpBuilder &b,
                                        const GemmKernelSpec &spec,
                                        llvm::StringRef name);

/// The sm_90a kernel: cp.async (or TMA with `tiling.tma`, then two tensor-map
/// arguments follow) into the wgmma core-matrix layout, one
/// `nvvm.wgmma.mma_async` m64nNk32 s8 (e4m3 with `spec.fp8`, f32
/// accumulators) per 32 bytes of K and warpgroup, one wgmma group kept in
/// flight.
mlir::gpu::GPUFuncOp buildWgmmaKernel(mlir::ImplicitLocOpBuilder &b,
                                      const GemmKernelSpec &spec,
                                      llvm::StringRef name);

} // namespace quantc

#endif
