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
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#include <string>

namespace quantc {

/// Whether --quantc-conv-to-gemm rewrites `op` (a linalg convolution) as an
/// im2col GEMM as it stands; if not, `why` says why (a sentence fragment
/// for a remark).
bool canRewriteConvAsGemm(mlir::linalg::LinalgOp op, std::string &why);

/// Fails (with `why`) when `op` is a `_q` convolution or
/// linalg.quantized_(batch_)matmul with a constant zero point outside its
/// operand's storage range (an error: the program's
/// integers cannot mean what it says).
mlir::LogicalResult checkZeroPointRanges(mlir::linalg::LinalgOp op,
                                         std::string &why);

/// Whether `op` is a depthwise convolution form --quantc-conv-to-gemm knows
/// (linalg.depthwise_conv_2d_nhwc_hwc and its _q form; Depthwise.cpp).
bool isDepthwiseConv(mlir::Operation *op);

/// Whether --quantc-conv-to-gemm rewrites the depthwise convolution `op` as
/// vector code (float, or the direct int8 kernel); if not, `why` says why.
bool canRewriteDepthwise(mlir::linalg::LinalgOp op, std::string &why);

/// Rewrites the depthwise convolution `op` as one all-parallel generic over
/// its output (float, or an i32 accumulator of widened int8 products and,
/// for a QDQ convolution, the quantc.rescale epilogue); fails with `why`
/// and leaves the IR unchanged when it does not take `op`.
mlir::LogicalResult rewriteDepthwise(mlir::RewriterBase &rw,
                                     mlir::linalg::LinalgOp op,
                                     std::string &why);

/// The values of the integer attribute `name` of `op` (its strides or
/// dilations), or `rank` ones when it has none.
llvm::SmallVector<int64_t> attrOrOnes(mlir::Operation *op, llvm::StringRef name,
                                      unsigned rank);

/// A static, constant-valued tensor.pad as a fill of the padded shape with
/// the source inserted into its interior: after empty-tensor elimination the
/// source's producer (a quantization) writes the interior in place; other
/// pads unchanged.
mlir::Value padAsFillAndInsert(mlir::RewriterBase &rw, mlir::tensor::PadOp pad);

} // namespace quantc

#endif
