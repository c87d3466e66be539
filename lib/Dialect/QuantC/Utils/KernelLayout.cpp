//===- KernelLayout.cpp - quantc.matmul in the kernels' operand layout ----===//
#include "quantc/Dialect/QuantC/Utils/KernelLayout.h"
#include "quantc/Dialect/QuantC/Utils/LoadTimeParams.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace quantc;

/// `v` with its last two dimensions swapped (a linalg.transpose, a copy).
static Value transposeLast2(OpBuilder &b, Location loc, Value v) {
  auto ty = cast<RankedTensorType>(v.getType());
  int64_t rank = ty.getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(perm[rank - 1], perm[rank - 2]);
  SmallVector<int64_t> shape(ty.getShape());
  std::swap(shape[rank - 1], shape[rank - 2]);
  SmallVector<Value> dyn;
  for (int64_t i = 0; i < rank; ++i)
    if (ShapedType::isDynamic(shape[i]))
      dyn.push_back(tensor::DimOp::create(b, loc, v, perm[i]));
  Value init = tensor::EmptyOp::create(b, loc, shape, ty.getElementType(), dyn);
  return linalg::TransposeOp::create(b, loc, v, init, perm).getResult()[0];
}

KernelLayout quantc::toKernelLayout(MatmulOp op, StringRef kernelName) {
  KernelLayout result;
  result.matmul = op;
  bool broadcast = op.isRhsBroadcast() &&
                   op.getLhs().getType().getRank() == 3 &&
                   op.getLhs().getType().hasStaticShape();
  if (!op.getTransposeLhs() && !op.getTransposeRhs() && !broadcast)
    return result;
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value lhs = op.getLhs(), rhs = op.getRhs();
  result.copiedLhs = op.getTransposeLhs();
  result.copiedRhs = op.getTransposeRhs();
  // A load-time operand (a parameter) is copied once, by the prepare
  // function, not per call: no remark for it.
  bool perCallLhs = result.copiedLhs && !isLoadTimeValue(lhs);
  bool perCallRhs = result.copiedRhs && !isLoadTimeValue(rhs);
  if (perCallLhs || perCallRhs)
    op.emitRemark() << "the " << kernelName
                    << " kernel reads a [..., N, C] lhs and a [..., D, C] "
                       "rhs: the transposed "
                    << (perCallLhs && perCallRhs ? "operands are"
                        : perCallLhs             ? "lhs is"
                                                 : "rhs is")
                    << " copied into that layout on every call";
  if (op.getTransposeLhs())
    lhs = transposeLast2(b, loc, lhs);
  if (op.getTransposeRhs())
    rhs = transposeLast2(b, loc, rhs);
  auto accTy = op.getResult().getType();
  Value acc;
  if (broadcast) {
    // [B, M, K] -> [B * M, K]; the result [B * M, N] -> [B, M, N].
    auto lt = cast<RankedTensorType>(lhs.getType());
    SmallVector<ReassociationIndices> assoc = {{0, 1}, {2}};
    auto flatTy = RankedTensorType::get(
        {lt.getDimSize(0) * lt.getDimSize(1), lt.getDimSize(2)},
        lt.getElementType());
    Value flat = tensor::CollapseShapeOp::create(b, loc, flatTy, lhs, assoc);
    auto flatAccTy = RankedTensorType::get(
        {flatTy.getDimSize(0), accTy.getDimSize(2)}, accTy.getElementType());
    auto mm = MatmulOp::create(b, loc, flatAccTy, flat, rhs);
    // A rescale that is the only user, with operands that vary along both
    // the batch and the rows or along neither, is flattened with the GEMM
    // (its kernel fuses it); any other runs after it.
    auto rescale =
        op->hasOneUse() ? dyn_cast<RescaleOp>(*op->user_begin()) : RescaleOp();
    auto flattenable = [&](Value v) {
      auto t = cast<RankedTensorType>(v.getType());
      bool batch = t.getDimSize(0) != 1, rows = t.getDimSize(1) != 1;
      return t.hasStaticShape() &&
             (batch == rows || (batch && accTy.getDimSize(1) == 1) ||
              (rows && accTy.getDimSize(0) == 1));
    };
    bool fuse = rescale && rescale.getAcc() == op.getResult() &&
                llvm::all_of(rescale->getOperands().drop_front(), flattenable);
    if (fuse) {
      OpBuilder rb(rescale);
      auto flatten = [&](Value v) -> Value {
        if (!v)
          return v;
        auto t = cast<RankedTensorType>(v.getType());
        auto ft = RankedTensorType::get(
            {t.getDimSize(0) * t.getDimSize(1), t.getDimSize(2)},
            t.getElementType());
        return tensor::CollapseShapeOp::create(rb, loc, ft, v, assoc);
      };
      auto resTy = rescale.getResult().getType();
      auto flatResTy = RankedTensorType::get(
          {flatAccTy.getDimSize(0), flatAccTy.getDimSize(1)},
          resTy.getElementType());
      auto flatRescale = RescaleOp::create(
          rb, rescale.getLoc(), flatResTy, mm, flatten(rescale.getXScale()),
          flatten(rescale.getWScale()), flatten(rescale.getBias()),
          flatten(rescale.getOutputScale()), flatten(rescale.getResidual()),
          rescale.getActivationAttr(), rescale.getQminAttr(),
          rescale.getQmaxAttr());
      Value y =
          tensor::ExpandShapeOp::create(rb, loc, resTy, flatRescale, assoc);
      rescale.getResult().replaceAllUsesWith(y);
      rescale.erase();
      op.erase();
      result.matmul = mm;
      return result;
    }
    acc = tensor::ExpandShapeOp::create(b, loc, accTy, mm, assoc);
    for (Operation *user : op->getUsers())
      if (auto rescale = dyn_cast<RescaleOp>(user)) {
        rescale.emitRemark()
            << "runs after the " << kernelName
            << " GEMM, not fused into its kernel: the GEMM's weight is "
               "broadcast over the batch, which runs as one 2-D GEMM over "
               "the batch's rows, and the rescale's operands do not "
               "flatten with it (they vary along the batch or the rows "
               "alone)";
        result.unfusedRescales.push_back(rescale);
      }
    op.getResult().replaceAllUsesWith(acc);
    op.erase();
    result.matmul = mm;
    return result;
  }
  auto mm = MatmulOp::create(b, loc, accTy, lhs, rhs);
  op.getResult().replaceAllUsesWith(mm.getResult());
  op.erase();
  result.matmul = mm;
  return result;
}
