//===- GemmKernel.h - int8 Tensor Core GEMM kernel generator ----*- C++ -*-===//
//
// Generates the MLIR (gpu + nvgpu + vector + memref + arith) text of one
// int8 x int8 -> int32 GEMM kernel with a fused quantc.rescale epilogue.
// Shapes are static; the kernel is specialised for them.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_CONVERSION_QUANTCTOGPU_GEMMKERNEL_H
#define QUANTC_CONVERSION_QUANTCTOGPU_GEMMKERNEL_H

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace quantc {

/// A broadcast-shaped f32 operand of the epilogue ([rows, cols], each 1, the
/// full dimension, or a block divisor of it).
struct EpilogueOperand {
  int64_t rows = 0, cols = 0;
};

/// The output element type of a GEMM kernel.
enum class GemmOutput { I32, F32, F16, I8 };

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
  std::string name;
  int64_t m = 0, n = 0, k = 0;
  GemmTiling tiling;
  GemmOutput output = GemmOutput::I32;
  // Epilogue (only when output != I32).
  std::optional<EpilogueOperand> xScale, wScale, bias, outputScale;
  int activation = 0; // 0 none, 1 relu, 2 gelu (quantc::Activation)
  int64_t qmin = -127, qmax = 127;
};

/// Chooses a tiling for the shape, or returns a reason it cannot run.
std::optional<std::string> chooseTiling(GemmKernelSpec &spec);

/// Chooses a wgmma (sm_90a) tiling, or returns why the shape does not fit
/// one (the caller then uses the mma.sync kernel).
std::optional<std::string> chooseWgmmaTiling(GemmKernelSpec &spec);

/// The sm_90a kernel: cp.async into the wgmma core-matrix layout, one
/// `nvvm.wgmma.mma_async` m64nNk32 s8 per 32 bytes of K and warpgroup, one
/// wgmma group kept in flight.
std::string generateWgmmaKernel(const GemmKernelSpec &spec);

/// The text of `gpu.func @<name>(A, B, C, [xs, ws, bias, os])` with the
/// kernel attribute (parse it inside a gpu.module).
std::string generateMmaSyncKernel(const GemmKernelSpec &spec);

} // namespace quantc

#endif
