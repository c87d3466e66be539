//===- WeightPacking.cpp - compile-time packing of x86 GEMM weights -------===//
#include "WeightPacking.h"
#include "quantc/Dialect/QuantC/Utils/ConstantWeights.h"

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
