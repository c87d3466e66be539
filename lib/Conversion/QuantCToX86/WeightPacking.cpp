//===- WeightPacking.cpp - compile-time packing of x86 GEMM weights -------===//
#include "WeightPacking.h"
#include "MicroKernel.h"
#include "quantc/Dialect/QuantC/Utils/ConstantWeights.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <cstring>

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

MemRefType x86::getPackedWeightType(X86GemmPlanAttr plan) {
  MLIRContext *ctx = plan.getContext();
  return MemRefType::get({plan.getNumPanels(), plan.getKGroups(),
                          plan.getPanelCols() * plan.getGroup()},
                         IntegerType::get(ctx, plan.getElementBits()));
}

MemRefType x86::getCompensationType(X86GemmPlanAttr plan) {
  return MemRefType::get({plan.getNumPanels() * plan.getPanelCols()},
                         IntegerType::get(plan.getContext(), 32));
}

FailureOr<PackedWeights> WeightPacker::getOrCreate(ElementsAttr weight,
                                                   X86GemmPlanAttr plan,
                                                   Location loc,
                                                   int32_t compFactor) {
  auto key = std::make_tuple(Attribute(weight), plan.getNr(),
                             static_cast<unsigned>(plan.getIsa()), compFactor);
  auto cached = cache.find(key);
  if (cached != cache.end())
    return cached->second;
  int64_t n = plan.getN(), k = plan.getK();
  // Dense or dense_resource (ConstantWeights.h); the packed weight keeps the
  // kind, so resource weights never become text.
  FailureOr<std::vector<int8_t>> w = readInt8Elements(weight);
  if (failed(w) || static_cast<int64_t>(w->size()) != n * k)
    return failure();

  int64_t group = plan.getGroup(), cols = plan.getPanelCols();
  int64_t kg = plan.getKGroups(), pw = cols * group;
  std::vector<int16_t> packed(plan.getNumPanels() * kg * pw, 0);
  std::vector<int32_t> colsum(plan.getNumPanels() * cols, 0);
  for (int64_t c = 0; c < n; ++c) {
    int64_t panel = c / cols, col = c % cols;
    int32_t sum = 0;
    for (int64_t i = 0; i < k; ++i) {
      int8_t v = (*w)[c * k + i];
      sum += v;
      packed[(panel * kg + i / group) * pw + col * group + i % group] = v;
    }
    colsum[c] = compFactor * sum;
  }

  MemRefType packedTy = getPackedWeightType(plan);
  auto packedTensor =
      RankedTensorType::get(packedTy.getShape(), packedTy.getElementType());
  auto asRaw = [](const auto &v) {
    return ArrayRef<char>(reinterpret_cast<const char *>(v.data()),
                          v.size() * sizeof(v[0]));
  };
  Attribute packedAttr;
  if (plan.getIsa() == X86Isa::avx2) {
    packedAttr = makeElementsLike(weight, packedTensor, asRaw(packed),
                                  derivedResourceName(weight, "packed"));
  } else {
    std::vector<int8_t> bytes(packed.begin(), packed.end());
    packedAttr = makeElementsLike(weight, packedTensor, asRaw(bytes),
                                  derivedResourceName(weight, "packed"));
  }

  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto makeGlobal = [&](StringRef name, MemRefType ty, Attribute init) {
    auto g = memref::GlobalOp::create(
        b, loc, b.getStringAttr(name), b.getStringAttr("private"),
        TypeAttr::get(ty), init, /*constant=*/b.getUnitAttr(),
        /*alignment=*/b.getI64IntegerAttr(64));
    symbols.insert(g);
    return g;
  };
  PackedWeights globals;
  globals.weights = makeGlobal("__quantc_x86_w", packedTy, packedAttr);
  if (plan.hasCompensation()) {
    MemRefType compTy = getCompensationType(plan);
    globals.compensation = makeGlobal(
        "__quantc_x86_comp", compTy,
        makeElementsLike(
            weight,
            RankedTensorType::get(compTy.getShape(), compTy.getElementType()),
            asRaw(colsum), derivedResourceName(weight, "comp")));
  }
  cache[key] = globals;
  return globals;
}

PackedWeights WeightPacker::getOrCreateAtLoad(Value weight,
                                              X86GemmPlanAttr plan,
                                              Location loc,
                                              LoadTimeState &state,
                                              int32_t compFactor) {
  auto key = std::make_tuple(weight.getAsOpaquePointer(), plan.getNr(),
                             static_cast<unsigned>(plan.getIsa()), compFactor);
  auto cached = loadCache.find(key);
  if (cached != loadCache.end())
    return cached->second;
  MLIRContext *ctx = module.getContext();
  PackedWeights globals;
  MemRefType packedTy = getPackedWeightType(plan);
  globals.weights = state.createState(packedTy, loc);
  MemRefType compTy = getCompensationType(plan);
  if (plan.hasCompensation())
    globals.compensation = state.createState(compTy, loc);

  // A [k, n] weight transposed for the GEMM is packed from where it lies.
  Value source = weight;
  bool fromKN = false;
  if (auto t = weight.getDefiningOp<linalg::TransposeOp>();
      t && t.hasPureTensorSemantics() &&
      t.getPermutation() == ArrayRef<int64_t>{1, 0}) {
    source = t.getInput();
    fromKN = true;
  }
  // The packing function of this geometry: (W [n, k] or [k, n] strided,
  // packed, compensation), serial (run once, at load).
  int64_t dyn = ShapedType::kDynamic;
  auto wTy = MemRefType::get(
      fromKN ? ArrayRef<int64_t>{plan.getK(), plan.getN()}
             : ArrayRef<int64_t>{plan.getN(), plan.getK()},
      IntegerType::get(ctx, 8), StridedLayoutAttr::get(ctx, dyn, {dyn, 1}));
  auto pkey = std::make_tuple(plan.getN(), plan.getK(), plan.getNr(),
                              static_cast<unsigned>(plan.getIsa()),
                              unsigned(plan.getEmulate()) | (fromKN ? 2u : 0u),
                              compFactor);
  func::FuncOp &packer = packers[pkey];
  if (!packer) {
    SmallVector<Type> argTypes = {wTy, packedTy};
    if (plan.hasCompensation())
      argTypes.push_back(compTy);
    packer = func::FuncOp::create(loc, "__quantc_x86_pack_weights",
                                  FunctionType::get(ctx, argTypes, {}));
    packer.setPrivate();
    packer->setAttr("llvm.linkage",
                    LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
    for (unsigned i = 0; i < argTypes.size(); ++i)
      packer.setArgAttr(i, LLVM::LLVMDialect::getNoAliasAttrName(),
                        UnitAttr::get(ctx));
    Block *entry = packer.addEntryBlock();
    OpBuilder fb = OpBuilder::atBlockBegin(entry);
    Value comp = plan.hasCompensation() ? entry->getArgument(2) : Value();
    // The activation zero point that gives this compensation factor (the
    // inverse of compensationFactor: -(128 + zx), amx -zx).
    KernelZeroPoints zp;
    zp.lhs = plan.getIsa() == X86Isa::amx ? -compFactor : -128 - compFactor;
    if (fromKN)
      emitWeightPackerFromKN(fb, loc, plan, entry->getArgument(0),
                             entry->getArgument(1), comp, compFactor);
    else
      emitWeightPacker(fb, loc, plan, entry->getArgument(0),
                       entry->getArgument(1), comp, zp);
    func::ReturnOp::create(fb, loc);
    symbols.insert(packer);
  }

  Value w = state.materialize(source);
  OpBuilder b = state.atPrepareEnd();
  SmallVector<Value> args = {
      bufferization::ToBufferOp::create(b, loc, wTy, w, /*read_only=*/true),
      memref::GetGlobalOp::create(b, loc, packedTy,
                                  globals.weights.getSymName())};
  if (globals.compensation)
    args.push_back(memref::GetGlobalOp::create(
        b, loc, compTy, globals.compensation.getSymName()));
  func::CallOp::create(b, loc, packer, args);
  loadCache[key] = globals;
  return globals;
}
