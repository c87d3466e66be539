//===- ConstantWeights.cpp - read and make constant weights ---------------===//
#include "quantc/Dialect/QuantC/Utils/ConstantWeights.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/bit.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace quantc;

/// Bytes one element of `elem` takes in a resource blob or a raw buffer; 0
/// for the types read here as unsupported (not 8, 16, 32 or 64 bits wide:
/// i1, sub-byte and 80/128-bit types, whose storage differs between the two).
int64_t quantc::storageBytes(Type elem) {
  if (!elem.isIntOrFloat())
    return 0;
  unsigned bits = elem.getIntOrFloatBitWidth();
  if (bits == 4 && elem.isSignlessInteger())
    return 1;
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

/// f16 bits to f32 (exact): normals rebias the exponent, subnormals are
/// `mantissa * 2^-24`.
static float halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu, bits;
  if (exp == 0x1f)
    bits = sign | 0x7f800000u | (man << 13);
  else if (exp != 0)
    bits = sign | ((exp + 112) << 23) | (man << 13);
  else
    bits = sign | llvm::bit_cast<uint32_t>(static_cast<float>(man) * 0x1p-24f);
  return llvm::bit_cast<float>(bits);
}

/// f32 to f16 bits, round to nearest even (overflow to infinity, NaN stays
/// a quiet NaN).
static uint16_t floatToHalf(float f) {
  uint32_t x = llvm::bit_cast<uint32_t>(f);
  uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u)
    return sign | 0x7e00u | ((ax >> 13) & 0x3ffu);
  if (ax >= 0x477ff000u) // >= 65520: rounds to infinity
    return sign | 0x7c00u;
  if (ax < 0x38800000u) { // below 2^-14: a subnormal (or zero) f16
    // |f| * 2^24 is exact; nearbyint rounds it to nearest even.
    float m = std::nearbyint(llvm::bit_cast<float>(ax) * 0x1p24f);
    return sign | static_cast<uint16_t>(m);
  }
  uint32_t r = ax - 0x38000000u; // exponent rebiased from 127 to 15
  r += 0xfffu + ((r >> 13) & 1u);
  return sign | static_cast<uint16_t>(r >> 13);
}

/// f32 to bf16 bits, round to nearest even (NaN stays a quiet NaN).
static uint16_t floatToBF16(float f) {
  uint32_t x = llvm::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((x >> 16) | 0x40u);
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

void quantc::floatsFromRaw(Type elem, const char *raw, int64_t n, float *out) {
  if (n == 0) // an empty tensor's buffers may be null (memcpy's are not)
    return;
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
  if (elem.isBF16()) {
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, raw + 2 * i, 2);
      out[i] = llvm::bit_cast<float>(static_cast<uint32_t>(h) << 16);
    }
    return;
  }
  if (elem.isF16()) {
    // One table of every f16 value, built once.
    static const std::vector<float> table = [] {
      std::vector<float> t(1 << 16);
      for (uint32_t h = 0; h < (1u << 16); ++h)
        t[h] = halfToFloat(static_cast<uint16_t>(h));
      return t;
    }();
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, raw + 2 * i, 2);
      out[i] = table[h];
    }
    return;
  }
  // Other float types (f8, tf32, ...): rare and small; APFloat.
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

void quantc::floatsToRaw(Type elem, const float *values, int64_t n, char *raw) {
  if (n == 0) // an empty tensor's buffers may be null (memcpy's are not)
    return;
  if (elem.isF32()) {
    std::memcpy(raw, values, n * sizeof(float));
    return;
  }
  if (elem.isF64()) {
    for (int64_t i = 0; i < n; ++i) {
      double d = values[i];
      std::memcpy(raw + i * sizeof(double), &d, sizeof(double));
    }
    return;
  }
  if (elem.isF16() || elem.isBF16()) {
    bool half = elem.isF16();
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h = half ? floatToHalf(values[i]) : floatToBF16(values[i]);
      std::memcpy(raw + 2 * i, &h, 2);
    }
    return;
  }
  const llvm::fltSemantics &sem = cast<FloatType>(elem).getFloatSemantics();
  unsigned bits = elem.getIntOrFloatBitWidth(), bytes = (bits + 7) / 8;
  for (int64_t i = 0; i < n; ++i) {
    APFloat f(values[i]);
    bool lost;
    f.convert(sem, APFloat::rmNearestTiesToEven, &lost);
    uint64_t word = f.bitcastToAPInt().getZExtValue();
    std::memcpy(raw + i * bytes, &word, bytes);
  }
}

std::optional<ArrayRef<float>> quantc::getF32Elements(ElementsAttr attr) {
  if (!attr || !attr.getElementType().isF32())
    return std::nullopt;
  std::optional<ArrayRef<char>> raw = getRawElements(attr);
  // Blobs are allocated aligned; a DenseElementsAttr's data is too. Check.
  if (!raw || reinterpret_cast<uintptr_t>(raw->data()) % alignof(float))
    return std::nullopt;
  return ArrayRef<float>(reinterpret_cast<const float *>(raw->data()),
                         raw->size() / sizeof(float));
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

/// out[c][r] = in[r][c] for a `rows` x `cols` row-major `in`, in square
/// tiles that keep both sides in cache.
template <typename T>
static void transpose2D(const T *in, T *out, int64_t rows, int64_t cols) {
  constexpr int64_t kTile = 64;
  for (int64_t r0 = 0; r0 < rows; r0 += kTile)
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      int64_t r1 = std::min(rows, r0 + kTile), c1 = std::min(cols, c0 + kTile);
      for (int64_t c = c0; c < c1; ++c)
        for (int64_t r = r0; r < r1; ++r)
          out[c * rows + r] = in[r * cols + c];
    }
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
  auto newTy = RankedTensorType::get(shape, ty.getElementType());
  std::string name = derivedResourceName(attr, "t");
  bool asResource = isa<DenseResourceElementsAttr>(attr);
  // A 2-D transpose (every nn.Linear weight): blocked, typed copies.
  if (rank == 2 && perm[0] == 1 && perm[1] == 0 &&
      (bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8)) {
    int64_t rows = ty.getDimSize(0), cols = ty.getDimSize(1);
    return makeElements(newTy, asResource, name, [&](MutableArrayRef<char> o) {
      auto run = [&](auto zero) {
        using T = decltype(zero);
        transpose2D(reinterpret_cast<const T *>(raw->data()),
                    reinterpret_cast<T *>(o.data()), rows, cols);
      };
      switch (bytes) {
      case 1:
        return run(uint8_t());
      case 2:
        return run(uint16_t());
      case 4:
        return run(uint32_t());
      default:
        return run(uint64_t());
      }
    });
  }
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
  return makeElementsLike(attr, newTy, out, name);
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

ElementsAttr
quantc::makeElements(RankedTensorType type, bool asResource, StringRef nameHint,
                     function_ref<void(MutableArrayRef<char>)> fill) {
  int64_t bytes = type.getNumElements() * storageBytes(type.getElementType());
  if (asResource) {
    AsmResourceBlob blob = HeapAsmResourceBlob::allocate(bytes, /*align=*/64);
    fill(blob.getMutableData());
    return DenseResourceElementsAttr::get(type, nameHint, std::move(blob));
  }
  std::vector<char> raw(bytes);
  fill(raw);
  return DenseElementsAttr::getFromRawBuffer(type, raw);
}

ElementsAttr quantc::makeElementsLike(Attribute like, RankedTensorType type,
                                      ArrayRef<char> raw, StringRef nameHint) {
  if (isa_and_nonnull<DenseResourceElementsAttr>(like))
    return makeElements(type, /*asResource=*/true, nameHint,
                        [&](MutableArrayRef<char> out) {
                          std::memcpy(out.data(), raw.data(), raw.size());
                        });
  return DenseElementsAttr::getFromRawBuffer(type, raw);
}

ElementsAttr quantc::makeFloatElementsLike(Attribute like,
                                           RankedTensorType type,
                                           ArrayRef<float> values,
                                           StringRef nameHint) {
  return makeElements(type, isa_and_nonnull<DenseResourceElementsAttr>(like),
                      nameHint, [&](MutableArrayRef<char> out) {
                        floatsToRaw(type.getElementType(), values.data(),
                                    values.size(), out.data());
                      });
}
