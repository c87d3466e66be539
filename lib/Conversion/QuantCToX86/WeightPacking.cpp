//===- WeightPacking.cpp - compile-time packing of x86 GEMM weights -------===//
#include "WeightPacking.h"

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

/// The constant int8 weight [n, k] as row-major bytes.
static FailureOr<std::vector<int8_t>> readWeights(ElementsAttr attr, int64_t n,
                                                  int64_t k) {
  std::vector<int8_t> out(n * k, 0);
  if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
    if (!dense.getElementType().isInteger(8))
      return failure();
    if (dense.isSplat()) {
      std::fill(out.begin(), out.end(), dense.getSplatValue<int8_t>());
      return out;
    }
    ArrayRef<char> raw = dense.getRawData();
    if (static_cast<int64_t>(raw.size()) != n * k)
      return failure();
    std::memcpy(out.data(), raw.data(), raw.size());
    return out;
  }
  if (auto res = dyn_cast<DenseI8ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<int8_t>> data = res.tryGetAsArrayRef();
    if (!data || static_cast<int64_t>(data->size()) != n * k)
      return failure();
    std::copy(data->begin(), data->end(), out.begin());
    return out;
  }
  return failure();
}

FailureOr<PackedWeights> WeightPacker::getOrCreate(ElementsAttr weight,
                                                   X86GemmPlanAttr plan,
                                                   Location loc) {
  auto key = std::make_tuple(Attribute(weight), plan.getNr(),
                             static_cast<unsigned>(plan.getIsa()));
  auto cached = cache.find(key);
  if (cached != cache.end())
    return cached->second;
  int64_t n = plan.getN(), k = plan.getK();
  FailureOr<std::vector<int8_t>> w = readWeights(weight, n, k);
  if (failed(w))
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
    colsum[c] = -128 * sum;
  }

  MemRefType packedTy = getPackedWeightType(plan);
  auto packedTensor =
      RankedTensorType::get(packedTy.getShape(), packedTy.getElementType());
  Attribute packedAttr;
  if (plan.getIsa() == X86Isa::avx2) {
    packedAttr =
        DenseElementsAttr::get(packedTensor, ArrayRef<int16_t>(packed));
  } else {
    std::vector<int8_t> bytes(packed.begin(), packed.end());
    packedAttr = DenseElementsAttr::getFromRawBuffer(
        packedTensor,
        ArrayRef<char>(reinterpret_cast<const char *>(bytes.data()),
                       bytes.size()));
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
        DenseElementsAttr::get(
            RankedTensorType::get(compTy.getShape(), compTy.getElementType()),
            ArrayRef<int32_t>(colsum)));
  }
  cache[key] = globals;
  return globals;
}
