//===- ConstantWeights.cpp - read and make constant weights ---------------===//
#include "quantc/Dialect/QuantC/Utils/ConstantWeights.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/APFloat.h"

#include <cstring>

using namespace mlir;
using namespace quantc;

/// Bytes one element of `elem` takes in a resource blob or a raw buffer; 0
/// for the types read here as unsupported (not 8, 16, 32 or 64 bits wide:
/// i1, sub-byte and 80/128-bit types, whose storage differs between the two).
static int64_t storageBytes(Type elem) {
  if (!elem.isIntOrFloat())
    return 0;
  unsigned bits = elem.getIntOrFloatBitWidth();
  return bits == 8 || bits == 16 || bits == 32 || bits == 64 ? bits / 8 : 0;
}

ElementsAttr quantc::getConstantWeight(Value v) {
  ElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return {};
  auto ty = dyn_cast<RankedTensorType>(attr.getType());
  if (!ty || !ty.hasStaticShape() ||
      !isa<DenseElementsAttr, DenseResourceElementsAttr>(attr))
    return {};
  return attr;
}

/// The data of a resource constant, or nullopt (with `why`) if its blob is
/// missing or has the wrong size.
static std::optional<ArrayRef<char>> resourceData(DenseResourceElementsAttr res,
                                                  std::string *why) {
  DenseResourceElementsHandle handle = res.getRawHandle();
  const AsmResourceBlob *blob = handle.getBlob();
  auto ty = cast<ShapedType>(res.getType());
  if (!blob) {
    if (why)
      *why = "a dense_resource constant '" + handle.getKey().str() +
             "' whose blob is missing (elided from the text, or never bound)";
    return std::nullopt;
  }
  int64_t want = ty.getNumElements() * storageBytes(ty.getElementType());
  ArrayRef<char> data = blob->getData();
  if (static_cast<int64_t>(data.size()) != want) {
    if (why)
      *why = "a dense_resource constant '" + handle.getKey().str() +
             "' whose blob holds " + std::to_string(data.size()) +
             " bytes where its type needs " + std::to_string(want);
    return std::nullopt;
  }
  return data;
}

bool quantc::isReadableConstant(ElementsAttr attr, std::string *why) {
  auto ty = dyn_cast<RankedTensorType>(attr.getType());
  if (!ty || !ty.hasStaticShape() || storageBytes(ty.getElementType()) == 0 ||
      ty.getElementType().isInteger(1)) {
    if (why)
      *why = "a constant of unsupported type " + [&] {
        std::string s;
        llvm::raw_string_ostream os(s);
        os << attr.getType();
        return s;
      }();
    return false;
  }
  auto tooBig = [&](int64_t limit, StringRef what) {
    if (why) {
      std::string s;
      llvm::raw_string_ostream os(s);
      os << what << " of type " << ty << ", larger than the " << limit
         << "-element compile-time limit";
      *why = s;
    }
    return false;
  };
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat())
      return isFoldableSize(ty) || tooBig(kMaxFoldElements, "a constant");
    return ty.getNumElements() <= kMaxDataConstantElements ||
           tooBig(kMaxDataConstantElements, "a constant");
  }
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    if (ty.getNumElements() > kMaxDataConstantElements)
      return tooBig(kMaxDataConstantElements, "a dense_resource constant");
    return resourceData(res, why).has_value();
  }
  if (why)
    *why = "a constant attribute that is neither dense nor dense_resource";
  return false;
}

/// Converts `n` elements of float type `elem` stored at `raw` to f32.
static void floatsFromRaw(Type elem, const char *raw, int64_t n, float *out) {
  if (elem.isF32()) {
    std::memcpy(out, raw, n * sizeof(float));
    return;
  }
  if (elem.isF64()) {
    for (int64_t i = 0; i < n; ++i) {
      double d;
      std::memcpy(&d, raw + i * sizeof(double), sizeof(double));
      out[i] = static_cast<float>(d);
    }
    return;
  }
  const llvm::fltSemantics &sem = cast<FloatType>(elem).getFloatSemantics();
  unsigned bits = elem.getIntOrFloatBitWidth(), bytes = (bits + 7) / 8;
  for (int64_t i = 0; i < n; ++i) {
    uint64_t word = 0;
    std::memcpy(&word, raw + i * bytes, bytes);
    APFloat f(sem, APInt(bits, word));
    bool lost;
    f.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
    out[i] = f.convertToFloat();
  }
}

FailureOr<SmallVector<float>> quantc::readFloatElements(ElementsAttr attr,
                                                        std::string *why) {
  if (!isReadableConstant(attr, why))
    return failure();
  auto ty = cast<RankedTensorType>(attr.getType());
  Type elem = ty.getElementType();
  if (!isa<FloatType>(elem)) {
    if (why)
      *why = "not a float constant";
    return failure();
  }
  SmallVector<float> out(ty.getNumElements());
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat()) {
      APFloat f = dense.getSplatValue<APFloat>();
      bool lost;
      f.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
      std::fill(out.begin(), out.end(), f.convertToFloat());
      return out;
    }
    floatsFromRaw(elem, dense.getRawData().data(), out.size(), out.data());
    return out;
  }
  ArrayRef<char> data =
      *resourceData(cast<DenseResourceElementsAttr>(attr), why);
  floatsFromRaw(elem, data.data(), out.size(), out.data());
  return out;
}

FailureOr<std::vector<int8_t>> quantc::readInt8Elements(ElementsAttr attr,
                                                        std::string *why) {
  if (!isReadableConstant(attr, why))
    return failure();
  auto ty = cast<RankedTensorType>(attr.getType());
  if (!ty.getElementType().isInteger(8)) {
    if (why)
      *why = "not an i8 constant";
    return failure();
  }
  std::vector<int8_t> out(ty.getNumElements());
  ArrayRef<char> data;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat()) {
      std::fill(out.begin(), out.end(), dense.getSplatValue<int8_t>());
      return out;
    }
    data = dense.getRawData();
  } else {
    data = *resourceData(cast<DenseResourceElementsAttr>(attr), why);
  }
  std::memcpy(out.data(), data.data(), out.size());
  return out;
}

std::optional<ArrayRef<char>> quantc::getRawElements(ElementsAttr attr) {
  if (!attr || !isReadableConstant(attr) || attr.getElementType().isInteger(1))
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat())
      return std::nullopt;
    return dense.getRawData();
  }
  return resourceData(cast<DenseResourceElementsAttr>(attr), nullptr);
}

ElementsAttr quantc::permuteElements(ElementsAttr attr,
                                     ArrayRef<int64_t> perm) {
  std::optional<ArrayRef<char>> raw = getRawElements(attr);
  if (!raw)
    return {};
  auto ty = cast<RankedTensorType>(attr.getType());
  int64_t rank = ty.getRank(), bytes = storageBytes(ty.getElementType());
  SmallVector<int64_t> shape, srcStrides(rank, 1);
  for (int64_t p : perm)
    shape.push_back(ty.getDimSize(p));
  for (int64_t d = rank - 2; d >= 0; --d)
    srcStrides[d] = srcStrides[d + 1] * ty.getDimSize(d + 1);
  std::vector<char> out(raw->size());
  SmallVector<int64_t> idx(rank, 0);
  for (int64_t lin = 0, e = ty.getNumElements(); lin < e; ++lin) {
    int64_t s = 0;
    for (int64_t i = 0; i < rank; ++i)
      s += idx[i] * srcStrides[perm[i]];
    std::memcpy(out.data() + lin * bytes, raw->data() + s * bytes, bytes);
    for (int64_t i = rank - 1; i >= 0; --i) {
      if (++idx[i] < shape[i])
        break;
      idx[i] = 0;
    }
  }
  auto newTy = RankedTensorType::get(shape, ty.getElementType());
  return makeElementsLike(attr, newTy, out, derivedResourceName(attr, "t"));
}

DenseElementsAttr quantc::readAsDense(ElementsAttr attr) {
  if (!attr)
    return {};
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return dense;
  auto res = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!res || !isReadableConstant(attr))
    return {};
  return DenseElementsAttr::getFromRawBuffer(cast<ShapedType>(res.getType()),
                                             *resourceData(res, nullptr));
}

std::string quantc::derivedResourceName(Attribute like, StringRef suffix) {
  if (auto res = dyn_cast_or_null<DenseResourceElementsAttr>(like))
    return (res.getRawHandle().getKey() + "_" + suffix).str();
  return suffix.str();
}

ElementsAttr quantc::makeElementsLike(Attribute like, RankedTensorType type,
                                      ArrayRef<char> raw, StringRef nameHint) {
  if (isa_and_nonnull<DenseResourceElementsAttr>(like)) {
    AsmResourceBlob blob =
        HeapAsmResourceBlob::allocate(raw.size(), /*align=*/64);
    std::memcpy(blob.getMutableData().data(), raw.data(), raw.size());
    return DenseResourceElementsAttr::get(type, nameHint, std::move(blob));
  }
  return DenseElementsAttr::getFromRawBuffer(type, raw);
}

ElementsAttr quantc::makeFloatElementsLike(Attribute like,
                                           RankedTensorType type,
                                           ArrayRef<float> values,
                                           StringRef nameHint) {
  Type elem = type.getElementType();
  auto asRaw = [](const auto &v) {
    return ArrayRef<char>(reinterpret_cast<const char *>(v.data()),
                          v.size() * sizeof(v[0]));
  };
  if (elem.isF32())
    return makeElementsLike(like, type, asRaw(values), nameHint);
  if (elem.isF64()) {
    std::vector<double> d(values.begin(), values.end());
    return makeElementsLike(like, type, asRaw(d), nameHint);
  }
  const llvm::fltSemantics &sem = cast<FloatType>(elem).getFloatSemantics();
  unsigned bits = elem.getIntOrFloatBitWidth(), bytes = (bits + 7) / 8;
  std::vector<char> raw(values.size() * bytes);
  for (auto [i, v] : llvm::enumerate(values)) {
    APFloat f(v);
    bool lost;
    f.convert(sem, APFloat::rmNearestTiesToEven, &lost);
    uint64_t word = f.bitcastToAPInt().getZExtValue();
    std::memcpy(raw.data() + i * bytes, &word, bytes);
  }
  return makeElementsLike(like, type, raw, nameHint);
}
