//===- DepthwiseEpilogue.h - the depthwise kernel's epilogue ----*- C++ -*-===//
//
// Fusing the direct int8 depthwise kernel's quantc.rescale into its generic
// (see DepthwiseEpilogue.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_DEPTHWISEEPILOGUE_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_DEPTHWISEEPILOGUE_H

#include "Plan.h"

#include "mlir/IR/BuiltinOps.h"

namespace quantc::x86 {

/// Lowers each int8 depthwise generic (kDepthwiseInt8AttrName) with its
/// quantc.rescale (when the generic starts from a zero fill and the rescale
/// is its only user) to the direct x86 kernel (lowerDepthwiseKernel); one
/// the kernel does not take gets a remark saying why, and its rescale is
/// fused into the generic instead: one generic computing the window sum and
/// then the epilogue (emitRescaleEpilogue) in registers.
void fuseDepthwiseEpilogues(mlir::ModuleOp module, const LoweringOptions &opts);

} // namespace quantc::x86

#endif
