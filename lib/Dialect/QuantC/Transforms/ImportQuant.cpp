//===- ImportQuant.cpp - upstream quant QDQ to quantc ---------------------===//
#include "quantc/Dialect/QuantC/Transforms/Passes.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCIMPORTQUANT
#include "quantc/Dialect/QuantC/Transforms/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {

/// Constant scale (and zero-point) tensors of the broadcast shape for a
/// quantized tensor type.
struct QuantParams {
  DenseElementsAttr scale;
  DenseElementsAttr zeroPoint; // null when every zero point is 0
  int64_t qmin, qmax;
  /// u8 storage: 128. The stored byte q of [0, 255] is the i8 value
  /// q - 128 = q xor 0x80 with zero point z - 128 (the same real number),
  /// so quantc's ops see i8 and the bytes in memory stay u8: a qcast ends
  /// and a dcast starts with the xor (signFlip), and the x86 kernel feeds
  /// such bytes to vpdpbusd's u8 operand as they are.
  int64_t unsignedShift = 0;
};

static FailureOr<QuantParams> getQuantParams(Operation *op,
                                             RankedTensorType tensorTy) {
  auto qTy = dyn_cast<quant::UniformQuantizedType>(tensorTy.getElementType());
  auto axisTy =
      dyn_cast<quant::UniformQuantizedPerAxisType>(tensorTy.getElementType());
  auto subTy = dyn_cast<quant::UniformQuantizedSubChannelType>(
      tensorTy.getElementType());
  auto base = dyn_cast<quant::QuantizedType>(tensorTy.getElementType());
  if (!base || (!qTy && !axisTy && !subTy))
    return op->emitOpError("unsupported quantized type ")
           << tensorTy.getElementType()
           << "; quantc imports !quant.uniform per-tensor, per-axis and "
              "sub-channel types";
  unsigned width = base.getStorageTypeIntegralWidth();
  if (!base.isSigned() && width != 8)
    return op->emitOpError("unsigned storage type in ")
           << base << " is not supported; use signed storage with a zero "
           << "point (i8; or i4 for 4-bit weights: u4 values q in [0, 15] "
           << "with zero point z are the i4 values q - 8 with zero point "
           << "z - 8)";
  auto exprTy = dyn_cast<FloatType>(base.getExpressedType());
  if (!exprTy || exprTy.getWidth() > 32)
    return op->emitOpError("expressed type must be f16, bf16 or f32, got ")
           << base.getExpressedType();
  // Only the dimensions a scale varies along need a static size (the scale
  // tensor has one value per element or block there); the others, e.g. a
  // token count, may be dynamic.
  auto needStatic = [&](int64_t dim, StringRef what) -> LogicalResult {
    if (!tensorTy.isDynamicDim(dim))
      return success();
    return op->emitOpError()
           << what << " along dimension " << dim << " of " << tensorTy
           << " needs a static size there (the scale has one value per "
           << (what == "per-axis quantization" ? "element" : "block")
           << " of it); make that dimension static or quantize per tensor";
  };

  int64_t rank = tensorTy.getRank();
  SmallVector<int64_t> shape(rank, 1);
  SmallVector<double> scales;
  SmallVector<int64_t> zps;
  if (qTy) {
    scales.push_back(qTy.getScale());
    zps.push_back(qTy.getZeroPoint());
  } else if (axisTy) {
    int32_t axis = axisTy.getQuantizedDimension();
    if (axis < 0 || axis >= rank)
      return op->emitOpError("quantized dimension ")
             << axis << " is out of range for " << tensorTy;
    if (failed(needStatic(axis, "per-axis quantization")))
      return failure();
    if ((int64_t)axisTy.getScales().size() != tensorTy.getDimSize(axis))
      return op->emitOpError("per-axis type has ")
             << axisTy.getScales().size() << " scales, but dimension " << axis
             << " of " << tensorTy << " has size "
             << formatDim(tensorTy.getDimSize(axis));
    shape[axis] = tensorTy.getDimSize(axis);
    llvm::append_range(scales, axisTy.getScales());
    llvm::append_range(zps, axisTy.getZeroPoints());
  } else {
    for (auto [dim, block] : subTy.getBlockSizeInfo()) {
      if (dim >= 0 && dim < rank &&
          failed(needStatic(dim, "sub-channel quantization")))
        return failure();
      if (dim < 0 || dim >= rank || block <= 0 ||
          tensorTy.getDimSize(dim) % block != 0)
        return op->emitOpError("block size ")
               << block << " on dimension " << dim << " does not divide "
               << tensorTy;
      shape[dim] = tensorTy.getDimSize(dim) / block;
    }
    for (APFloat v : subTy.getScales().getValues<APFloat>())
      scales.push_back(v.convertToDouble());
    for (APInt v : subTy.getZeroPoints().getValues<APInt>())
      zps.push_back(v.getSExtValue());
    int64_t expected = 1;
    for (int64_t s : shape)
      expected *= s;
    if ((int64_t)scales.size() != expected)
      return op->emitOpError("sub-channel type has ")
             << scales.size() << " scales, expected " << expected
             << " for the blocks of " << tensorTy;
  }

  // A zero point outside the stored range means no stored value is 0.0; it
  // would also be truncated to the i32 zero-point tensor.
  for (int64_t z : zps)
    if (z < base.getStorageTypeMin() || z > base.getStorageTypeMax())
      return op->emitOpError("zero point ")
             << z << " of " << base << " is outside its storage range ["
             << base.getStorageTypeMin() << ", " << base.getStorageTypeMax()
             << "]";
  int64_t shift = base.isSigned() ? 0 : int64_t(1) << (width - 1);
  for (int64_t &z : zps)
    z -= shift;

  auto scaleTy = RankedTensorType::get(shape, exprTy);
  SmallVector<APFloat> scaleVals;
  for (double s : scales) {
    APFloat v(s);
    bool lost;
    v.convert(exprTy.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    scaleVals.push_back(v);
  }
  QuantParams p;
  p.scale = DenseElementsAttr::get(scaleTy, scaleVals);
  if (llvm::any_of(zps, [](int64_t z) { return z != 0; })) {
    auto i32 = IntegerType::get(op->getContext(), 32);
    SmallVector<APInt> zpVals;
    for (int64_t z : zps)
      zpVals.push_back(APInt(32, z, /*isSigned=*/true));
    p.zeroPoint =
        DenseElementsAttr::get(RankedTensorType::get(shape, i32), zpVals);
  }
  p.qmin = base.getStorageTypeMin() - shift;
  p.qmax = base.getStorageTypeMax() - shift;
  p.unsignedShift = shift;
  return p;
}

/// `v xor 0x80` elementwise on an i8 tensor: u8 bytes to the i8 values they
/// stand for (q - 128), and back.
static Value signFlip(OpBuilder &b, Location loc, Value v) {
  auto ty = cast<RankedTensorType>(v.getType());
  auto elem = cast<IntegerType>(ty.getElementType());
  APInt bit = APInt::getSignMask(elem.getWidth());
  Value c;
  if (ty.hasStaticShape()) {
    c = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(ty, bit));
  } else {
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < ty.getRank(); ++d)
      sizes.push_back(ty.isDynamicDim(d)
                          ? OpFoldResult(tensor::DimOp::create(b, loc, v, d))
                          : OpFoldResult(b.getIndexAttr(ty.getDimSize(d))));
    Value scalar =
        arith::ConstantOp::create(b, loc, IntegerAttr::get(elem, bit));
    c = tensor::SplatOp::create(b, loc, scalar, sizes);
  }
  return arith::XOrIOp::create(b, loc, v, c);
}

static Value materializeParams(OpBuilder &b, Location loc, const QuantParams &p,
                               Value &zp) {
  Value scale = arith::ConstantOp::create(b, loc, p.scale);
  zp = p.zeroPoint ? Value(arith::ConstantOp::create(b, loc, p.zeroPoint))
                   : Value();
  return scale;
}

struct QCastLowering : OpConversionPattern<quant::QuantizeCastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(quant::QuantizeCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto qTy = dyn_cast<RankedTensorType>(op.getResult().getType());
    if (!qTy)
      return op.emitOpError("only ranked tensors of quantized types are "
                            "supported, got ")
             << op.getResult().getType();
    FailureOr<QuantParams> p = getQuantParams(op, qTy);
    if (failed(p))
      return failure();
    Type resTy = getTypeConverter()->convertType(qTy);
    Value zp;
    Value scale = materializeParams(rewriter, op.getLoc(), *p, zp);
    Value input = adaptor.getInput();
    auto inTy = cast<RankedTensorType>(input.getType());
    if (inTy.getElementType() != p->scale.getType().getElementType())
      return op.emitOpError("input element type must equal the expressed type");
    Value q = QuantizeOp::create(rewriter, op.getLoc(), resTy, input, scale, zp,
                                 rewriter.getI64IntegerAttr(p->qmin),
                                 rewriter.getI64IntegerAttr(p->qmax));
    if (p->unsignedShift)
      q = signFlip(rewriter, op.getLoc(), q);
    rewriter.replaceOp(op, q);
    return success();
  }
};

struct DCastLowering : OpConversionPattern<quant::DequantizeCastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(quant::DequantizeCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto qTy = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!qTy)
      return op.emitOpError("only ranked tensors of quantized types are "
                            "supported, got ")
             << op.getInput().getType();
    FailureOr<QuantParams> p = getQuantParams(op, qTy);
    if (failed(p))
      return failure();
    Value zp;
    Value scale = materializeParams(rewriter, op.getLoc(), *p, zp);
    Value input = adaptor.getInput();
    if (p->unsignedShift)
      input = signFlip(rewriter, op.getLoc(), input);
    rewriter.replaceOpWithNewOp<DequantizeOp>(op, op.getResult().getType(),
                                              input, scale, zp);
    return success();
  }
};

struct SCastLowering : OpConversionPattern<quant::StorageCastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(quant::StorageCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type resTy = getTypeConverter()->convertType(op.getResult().getType());
    if (!resTy || resTy != adaptor.getInput().getType())
      return op.emitOpError("storage cast between ")
             << op.getInput().getType() << " and " << op.getResult().getType()
             << " does not preserve the storage type";
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

/// Layout ops that only move stored values: on quantized-type tensors they
/// run on the storage integers, and the quantized type of their result
/// (which the dcast after them reads) stays what the IR says.
static bool isLayoutOp(Operation *op) {
  return isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
             tensor::ExtractSliceOp, tensor::InsertSliceOp, tensor::CastOp,
             tensor::ReshapeOp, tensor::EmptyOp, tensor::ConcatOp>(op);
}

/// A layout op rebuilt with the storage types.
struct LayoutOpLowering : ConversionPattern {
  LayoutOpLowering(const TypeConverter &converter, MLIRContext *ctx)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isLayoutOp(op))
      return failure();
    SmallVector<Type> resultTypes;
    if (failed(getTypeConverter()->convertTypes(op->getResultTypes(),
                                                resultTypes)))
      return failure();
    OperationState state(op->getLoc(), op->getName(), operands, resultTypes,
                         op->getAttrs());
    state.propertiesAttr = op->getPropertiesAsAttribute();
    Operation *rebuilt = rewriter.create(state);
    rewriter.replaceOp(op, rebuilt->getResults());
    return success();
  }
};

/// Whether `t` is (or holds elements of) a quantized type.
static bool isQuantized(Type t) {
  return isa<quant::QuantizedType>(getElementTypeOrSelf(t));
}

struct ImportQuantPass : quantc::impl::QuantCImportQuantBase<ImportQuantPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    TypeConverter converter;
    converter.addConversion([](Type t) { return t; });
    converter.addConversion([](RankedTensorType t) -> Type {
      if (auto q = dyn_cast<quant::QuantizedType>(t.getElementType()))
        return t.clone(q.getStorageType());
      return t;
    });
    converter.addConversion(
        [](quant::QuantizedType q) -> Type { return q.getStorageType(); });

    ConversionTarget target(*ctx);
    target.addIllegalOp<quant::QuantizeCastOp, quant::DequantizeCastOp,
                        quant::StorageCastOp>();
    target.markUnknownOpDynamicallyLegal([&](Operation *op) {
      if (auto func = dyn_cast<FunctionOpInterface>(op)) {
        // Not every function type is a FunctionType (llvm.func has its own).
        if (auto fty = dyn_cast<FunctionType>(func.getFunctionType()))
          if (!converter.isSignatureLegal(fty))
            return false;
        return converter.isLegal(func.getArgumentTypes()) &&
               converter.isLegal(func.getResultTypes()) &&
               converter.isLegal(&func.getFunctionBody());
      }
      return converter.isLegal(op);
    });

    RewritePatternSet patterns(ctx);
    patterns.add<QCastLowering, DCastLowering, SCastLowering, LayoutOpLowering>(
        converter, ctx);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    // Validate every quantized type first, so that a bad one is reported once
    // with its reason instead of as a generic legalization failure.
    bool bad = false;
    getOperation()->walk([&](Operation *op) {
      if (!isa<quant::QuantizeCastOp, quant::DequantizeCastOp,
               quant::StorageCastOp>(op))
        return;
      Type qType = isa<quant::DequantizeCastOp>(op)
                       ? op->getOperand(0).getType()
                       : op->getResult(0).getType();
      if (isa<quant::StorageCastOp>(op) &&
          !isa<quant::QuantizedType>(getElementTypeOrSelf(qType)))
        qType = op->getOperand(0).getType();
      auto tensorTy = dyn_cast<RankedTensorType>(qType);
      if (!tensorTy) {
        op->emitOpError("only ranked tensors of quantized types are "
                        "supported, got ")
            << qType;
        bad = true;
        return;
      }
      if (failed(getQuantParams(op, tensorTy)))
        bad = true;
    });
    // Any other op on quantized-type tensors has no integer meaning here:
    // say which op and what to do instead of a legalization failure.
    getOperation()->walk([&](Operation *op) {
      if (isa<quant::QuantizeCastOp, quant::DequantizeCastOp,
              quant::StorageCastOp, func::ReturnOp, func::CallOp,
              FunctionOpInterface>(op) ||
          isLayoutOp(op))
        return;
      if (llvm::any_of(op->getOperandTypes(), isQuantized) ||
          llvm::any_of(op->getResultTypes(), isQuantized)) {
        op->emitOpError("operates on quantized-type tensors, which quantc "
                        "imports only through quant.qcast/dcast/scast and "
                        "the layout ops tensor.collapse_shape, expand_shape, "
                        "extract_slice, insert_slice, cast, reshape, empty "
                        "and concat; dequantize (quant.dcast) before this op");
        bad = true;
      }
    });
    if (bad)
      return signalPassFailure();

    // Never fold: upstream folds dcast(qcast(x)) to x, which would erase the
    // quantization error that fake quantization exists to model.
    ConversionConfig config;
    config.foldingMode = DialectConversionFoldingMode::Never;
    if (failed(applyFullConversion(getOperation(), target, std::move(patterns),
                                   config)))
      signalPassFailure();
  }
};

} // namespace
