//===- QuantCToLinalg.h - quantc to linalg ----------------------*- C++ -*-===//
#ifndef QUANTC_CONVERSION_QUANTCTOLINALG_QUANTCTOLINALG_H
#define QUANTC_CONVERSION_QUANTCTOLINALG_QUANTCTOLINALG_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
}

namespace quantc {
#define GEN_PASS_DECL_CONVERTQUANTCTOLINALG
#include "quantc/Conversion/Passes.h.inc"

/// Patterns lowering every quantc op to linalg on tensors.
void populateQuantCToLinalgPatterns(mlir::RewritePatternSet &patterns);
} // namespace quantc

#endif
