//===- QuantCToGPU.h - quantc GEMMs to GPU kernels --------------*- C++ -*-===//
#ifndef QUANTC_CONVERSION_QUANTCTOGPU_QUANTCTOGPU_H
#define QUANTC_CONVERSION_QUANTCTOGPU_QUANTCTOGPU_H

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/Pass.h"

namespace quantc {
#define GEN_PASS_DECL_CONVERTQUANTCTOGPU
#define GEN_PASS_DECL_QUANTCGPULAUNCHWRAPPERS
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

#endif
