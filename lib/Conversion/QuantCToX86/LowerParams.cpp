//===- LowerParams.cpp - parameters as state filled by __quantc_prepare ---===//
//
// --quantc-lower-params (raw state for the parameters the program still
// reads, the prepare body's parameter arguments, quantc.state) and
// --quantc-emit-prepare (the C entry point). See the pass descriptions in
// Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//
#include "LoadTimeState.h"
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"
#include "quantc/Dialect/QuantC/Utils/ConstantWeights.h"
#include "quantc/Dialect/QuantC/Utils/LoadTimeParams.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCLOWERPARAMS
#define GEN_PASS_DEF_QUANTCEMITPREPARE
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

/// The parameters' tensor types in index order, from quantc.params.
static FailureOr<SmallVector<RankedTensorType>> paramTypes(ModuleOp module) {
  SmallVector<RankedTensorType> types;
  auto params = module->getAttrOfType<ArrayAttr>(kParamsAttrName);
  if (!params)
    return types;
  for (Attribute a : params) {
    auto d = dyn_cast<DictionaryAttr>(a);
    auto t = d ? d.getAs<TypeAttr>("type") : TypeAttr();
    auto tt = t ? dyn_cast<RankedTensorType>(t.getValue()) : RankedTensorType();
    if (!tt || !tt.hasStaticShape() || !tt.getElementType().isIntOrFloat()) {
      module.emitError(kParamsAttrName)
          << " must hold {name, type = static tensor} dictionaries, got " << a;
      return failure();
    }
    types.push_back(tt);
  }
  return types;
}

/// Bytes of a statically shaped memref or tensor (storageBytes).
static int64_t byteSize(ShapedType t) {
  return t.getNumElements() * storageBytes(t.getElementType());
}

/// The memref the prepare body takes parameter `t` as: an i4 parameter's
/// bytes (one per element, sign-extended) as i8, so that its readers can
/// load them as vectors.
static MemRefType argTypeOf(RankedTensorType t) {
  Type elem = t.getElementType();
  if (elem.isSignlessInteger(4))
    elem = IntegerType::get(t.getContext(), 8);
  return MemRefType::get(t.getShape(), elem);
}

/// Whether `p` reads parameter `declared`: as its type, or an i4 one as
/// its i8 bytes (argTypeOf).
static bool readsAs(ParamOp p, RankedTensorType declared) {
  auto t = p.getType();
  return t == declared || (declared.getElementType().isSignlessInteger(4) &&
                           t.getElementType().isSignlessInteger(8) &&
                           t.getShape() == declared.getShape());
}

/// `bytes` (i8) truncated to the i4 tensor type `ty`, elementwise.
static Value truncToI4(OpBuilder &b, Location loc, Value bytes,
                       RankedTensorType ty) {
  int64_t rank = ty.getRank();
  Value init =
      tensor::EmptyOp::create(b, loc, ty.getShape(), ty.getElementType());
  SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, ty, bytes, init, maps, iters,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   nb, l,
                   ValueRange{arith::TruncIOp::create(
                       nb, l, ty.getElementType(), args[0])});
             })
      .getResult(0);
}

namespace {
struct LowerParams : quantc::impl::QuantCLowerParamsBase<LowerParams> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<SmallVector<RankedTensorType>> types = paramTypes(module);
    if (failed(types))
      return signalPassFailure();
    if (types->empty())
      return;
    SymbolTable symbols(module);
    LoadTimeState state(module, symbols);
    // Parameters the model functions still read: a raw copy each.
    SmallVector<ParamOp> reads;
    module.walk([&](ParamOp p) {
      auto fn = p->getParentOfType<func::FuncOp>();
      if (!fn || fn.getSymName() != kPrepareBodyName)
        reads.push_back(p);
    });
    llvm::DenseMap<int64_t, memref::GlobalOp> raw;
    for (ParamOp p : reads) {
      int64_t i = p.getIndex();
      if (i >= int64_t(types->size()) || (*types)[i] != p.getType()) {
        p.emitError("parameter index ")
            << i << " has no entry of type " << p.getType() << " in "
            << kParamsAttrName;
        return signalPassFailure();
      }
      memref::GlobalOp &g = raw[i];
      if (!g) {
        auto t = p.getType();
        g = state.createState(MemRefType::get(t.getShape(), t.getElementType()),
                              p.getLoc());
        state.writeState(state.materialize(p), g);
      }
      OpBuilder b(p);
      p.replaceAllUsesWith(LoadTimeState::readState(b, p.getLoc(), g));
      p.erase();
    }
    // The prepare body (created even when nothing reads a parameter, so
    // that every module with parameters has its entry point): parameters
    // become its arguments.
    OpBuilder end = state.atPrepareEnd();
    auto body = symbols.lookup<func::FuncOp>(kPrepareBodyName);
    SmallVector<Type> argTypes;
    for (RankedTensorType t : *types)
      argTypes.push_back(argTypeOf(t));
    Block &entry = body.getBody().front();
    if (entry.getNumArguments() != 0) {
      body.emitError("the prepare body already has arguments");
      return signalPassFailure();
    }
    for (Type t : argTypes)
      entry.addArgument(t, body.getLoc());
    body.setType(FunctionType::get(module.getContext(), argTypes, {}));
    for (auto [i, t] : llvm::enumerate(argTypes))
      body.setArgAttr(i, "bufferization.writable",
                      BoolAttr::get(module.getContext(), false));
    SmallVector<ParamOp> inBody;
    body.walk([&](ParamOp p) { inBody.push_back(p); });
    for (ParamOp p : inBody) {
      int64_t i = p.getIndex();
      if (i >= int64_t(types->size()) || !readsAs(p, (*types)[i])) {
        p.emitError("parameter index ")
            << i << " has no entry of type " << p.getType() << " in "
            << kParamsAttrName;
        return signalPassFailure();
      }
      OpBuilder b(p);
      auto argTy = cast<MemRefType>(entry.getArgument(i).getType());
      Value v = bufferization::ToTensorOp::create(
          b, p.getLoc(),
          RankedTensorType::get(argTy.getShape(), argTy.getElementType()),
          entry.getArgument(i),
          /*restrict=*/true, /*writable=*/false);
      if (v.getType() != p.getType())
        v = truncToI4(b, p.getLoc(), v, p.getType());
      p.replaceAllUsesWith(v);
      p.erase();
    }
    (void)end;
    // The state in k order.
    SmallVector<std::pair<int64_t, memref::GlobalOp>> globals;
    for (auto g : module.getOps<memref::GlobalOp>()) {
      StringRef name = g.getSymName();
      int64_t k;
      if (name.consume_front(kStatePrefix) && !name.getAsInteger(10, k))
        globals.push_back({k, g});
    }
    llvm::sort(globals, [](auto &a, auto &b) { return a.first < b.first; });
    MLIRContext *ctx = module.getContext();
    SmallVector<Attribute> desc;
    for (auto &[k, g] : globals) {
      NamedAttribute fields[] = {
          NamedAttribute(StringAttr::get(ctx, "symbol"), g.getSymNameAttr()),
          NamedAttribute(StringAttr::get(ctx, "bytes"),
                         IntegerAttr::get(IntegerType::get(ctx, 64),
                                          byteSize(g.getType())))};
      desc.push_back(DictionaryAttr::get(ctx, fields));
    }
    module->setAttr(kStateAttrName, ArrayAttr::get(ctx, desc));
  }
};

struct EmitPrepare : quantc::impl::QuantCEmitPrepareBase<EmitPrepare> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<SmallVector<RankedTensorType>> types = paramTypes(module);
    if (failed(types))
      return signalPassFailure();
    if (types->empty())
      return;
    auto body = module.lookupSymbol<LLVM::LLVMFuncOp>(kPrepareBodyName);
    if (!body) {
      module.emitError("the module has ")
          << kParamsAttrName << " but no lowered @" << kPrepareBodyName
          << " (run --quantc-lower-params before func-to-llvm)";
      return signalPassFailure();
    }
    MLIRContext *ctx = module.getContext();
    Location loc = body.getLoc();
    auto ptrTy = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    auto fnTy =
        LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptrTy});
    auto fn = LLVM::LLVMFuncOp::create(mb, loc, kPrepareName, fnTy);
    Block *entry = fn.addEntryBlock(mb);
    OpBuilder b = OpBuilder::atBlockEnd(entry);
    Value params = entry->getArgument(0);
    auto c64 = [&](int64_t v) {
      return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
    };
    SmallVector<Value> args;
    for (auto [i, t] : llvm::enumerate(*types)) {
      Value slot = LLVM::GEPOp::create(b, loc, ptrTy, ptrTy, params,
                                       ArrayRef<LLVM::GEPArg>{int32_t(i)});
      Value p = LLVM::LoadOp::create(b, loc, ptrTy, slot);
      args.append({p, p, c64(0)});
      for (int64_t d : t.getShape())
        args.push_back(c64(d));
      int64_t stride = 1;
      SmallVector<Value> strides;
      for (int64_t d : llvm::reverse(t.getShape())) {
        strides.push_back(c64(stride));
        stride *= d;
      }
      args.append(strides.rbegin(), strides.rend());
    }
    if (body.getFunctionType().getNumParams() != args.size()) {
      body.emitError("the lowered prepare body takes ")
          << body.getFunctionType().getNumParams()
          << " arguments; its parameters' descriptors are " << args.size();
      return signalPassFailure();
    }
    LLVM::CallOp::create(b, loc, body, args);
    LLVM::ReturnOp::create(b, loc, ValueRange());
  }
};
} // namespace
