//===- DepthwiseKernel.h - the direct x86 int8 depthwise kernel -*- C++ -*-===//
//
// The int8 depthwise generic of --quantc-conv-to-gemm as x86 vector loops
// (see DepthwiseKernel.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_DEPTHWISEKERNEL_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_DEPTHWISEKERNEL_H

#include "Plan.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <string>

namespace quantc::x86 {

/// Whether the int8 depthwise generic `dw` accumulates into a zero fill
/// (then an epilogue may be fused: the accumulator is the whole sum).
bool startsFromZero(mlir::linalg::GenericOp dw);

/// Replaces the int8 depthwise generic `dw` (kDepthwiseInt8AttrName) and its
/// epilogue `rescale` (null: none, the i32 accumulator is the result) by the
/// direct kernel: vector loops over the channels with the filter packed at
/// compile time, several output pixels at a time, pmaddwd products. Fails,
/// changing nothing and saying why in `why`, when the kernel does not take
/// it (a run-time filter or zero point, an emulated ISA, an epilogue operand
/// it does not read).
mlir::LogicalResult lowerDepthwiseKernel(mlir::linalg::GenericOp dw,
                                         RescaleOp rescale,
                                         const LoweringOptions &opts,
                                         std::string &why);

} // namespace quantc::x86

#endif
