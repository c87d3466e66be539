//===- ConvToGemm.h - convolutions as im2col + GEMM -------------*- C++ -*-===//
//
// --quantc-conv-to-gemm rewrites a convolution as an im2col gather and one
// 2-D linalg.matmul; a QDQ convolution is gathered on its integer tensor and
// dequantized after the gather, so that --quantc-fuse sees an ordinary int8
// GEMM. --quantc-fuse asks the same question (canRewriteConvAsGemm) to say
// why a convolution verified as int8 still is a float GEMM.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_DIALECT_QUANTC_TRANSFORMS_CONVTOGEMM_H
#define QUANTC_LIB_DIALECT_QUANTC_TRANSFORMS_CONVTOGEMM_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

#include <string>

namespace quantc {

/// Whether --quantc-conv-to-gemm rewrites `op` (a linalg convolution) as an
/// im2col GEMM as it stands; if not, `why` says why (a sentence fragment
/// for a remark).
bool canRewriteConvAsGemm(mlir::linalg::LinalgOp op, std::string &why);

} // namespace quantc

#endif
