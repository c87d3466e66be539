//===- DepthwiseEpilogue.h - the depthwise kernel's epilogue ----*- C++ -*-===//
//
// Fusing the direct int8 depthwise kernel's quantc.rescale into its generic
// (see DepthwiseEpilogue.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_DEPTHWISEEPILOGUE_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_DEPTHWISEEPILOGUE_H

#include "mlir/IR/BuiltinOps.h"

namespace quantc::x86 {

/// Replaces each quantc.rescale of a direct int8 depthwise kernel's
/// accumulator (a generic marked kDepthwiseInt8AttrName, starting from a
/// zero fill, read only by the rescale) by one generic computing the window
/// sum and then the epilogue (emitRescaleEpilogue) in registers.
void fuseDepthwiseEpilogues(mlir::ModuleOp module);

} // namespace quantc::x86

#endif
