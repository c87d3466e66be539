//===- QuantCToGPU.h - quantc GEMMs to GPU kernels --------------*- C++ -*-===//
#ifndef QUANTC_CONVERSION_QUANTCTOGPU_QUANTCTOGPU_H
#define QUANTC_CONVERSION_QUANTCTOGPU_QUANTCTOGPU_H

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/CommandLine.h"

namespace quantc {

/// The chips the Tensor Core kernels target: int8 mma.sync needs sm_80+,
/// sm_90a adds wgmma and TMA.
enum class GpuChip { sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a };
/// "sm_80", ..., "sm_90a" (the NVVM target chip).
llvm::StringRef stringifyGpuChip(GpuChip chip);
/// The values of a `chip` option (the pass's and the GPU pipeline's), so
/// that an unknown chip is an option-parsing error.
llvm::cl::ValuesClass getGpuChipValues();

#define GEN_PASS_DECL_CONVERTQUANTCTOGPU
#define GEN_PASS_DECL_QUANTCGPULAUNCHWRAPPERS
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

#endif
