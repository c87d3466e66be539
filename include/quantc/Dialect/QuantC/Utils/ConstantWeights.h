//===- ConstantWeights.h - read and make constant weights ------*- C++ -*-===//
//
// The one place where passes read the values of a constant weight and make
// the constant of a transformed weight, whatever the attribute kind:
// DenseElementsAttr (textual `dense<...>`, splat or not) or
// DenseResourceElementsAttr (`dense_resource<name>`, a blob held by the
// builtin dialect: the form model weights take, so that they never go through
// text). A transformed weight keeps the kind of the weight it came from.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_DIALECT_QUANTC_UTILS_CONSTANTWEIGHTS_H
#define QUANTC_DIALECT_QUANTC_UTILS_CONSTANTWEIGHTS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <string>
#include <vector>

namespace quantc {

/// The most elements a data-backed constant (non-splat dense or resource)
/// may have to be read at compile time; splats are bounded by
/// kMaxFoldElements since reading one materializes it.
constexpr int64_t kMaxDataConstantElements = int64_t(1) << 31;

/// The attribute of `v` if it is produced by a constant-like op and is a
/// static-shaped DenseElementsAttr or DenseResourceElementsAttr; null
/// otherwise.
mlir::ElementsAttr getConstantWeight(mlir::Value v);

/// Whether `attr` can be read by readFloatElements / readInt8Elements (its
/// element count is within the limits above and, for a resource, its blob is
/// present with the size its type needs). If not, `why` (when given) says
/// why, as a phrase ("a dense_resource constant 'w' whose blob is missing
/// (elided?)").
bool isReadableConstant(mlir::ElementsAttr attr, std::string *why = nullptr);

/// Derived constants (weight scales, smoothing factors) with more elements
/// than this are made dense_resource blobs, so that the IR text stays
/// O(structure); smaller ones stay textual `dense<...>`.
constexpr int64_t kMaxTextConstantElements = 256;

/// Converts `n` elements of float type `elem` (f16, bf16, f32, f64) stored
/// row-major at `raw` to f32 (exact for f16 and bf16, round to nearest even
/// for f64), with typed loops over the bytes (no APFloat per element).
void floatsFromRaw(mlir::Type elem, const char *raw, int64_t n, float *out);

/// Converts `n` f32 values to float type `elem`'s storage at `raw` (round to
/// nearest even, as APFloat's conversion does).
void floatsToRaw(mlir::Type elem, const float *values, int64_t n, char *raw);

/// The f32 elements of a readable non-splat f32 constant, without a copy
/// (a view of its blob or attribute storage); nullopt otherwise.
std::optional<llvm::ArrayRef<float>> getF32Elements(mlir::ElementsAttr attr);

/// Reads a float (f16, bf16, f32, f64) constant's elements, row-major, as
/// f32. Fails (with `why`) when the attribute is not readable or not float.
mlir::FailureOr<llvm::SmallVector<float>>
readFloatElements(mlir::ElementsAttr attr, std::string *why = nullptr);

/// Bytes per element of a constant's (and a parameter's) row-major storage:
/// 1, 2, 4 or 8 for 8-, 16-, 32- and 64-bit integers and floats, and 1 for
/// i4 (one byte per element, sign-extended: the layout of MLIR's dense i4
/// attributes and of LLVM's i4 arrays; the x86 weight-only packers pack two
/// per byte); 0 for any other type (i1, index, ...). The one rule the
/// constant readers, --quantc-bind-params and the JIT's parameter binding
/// share.
int64_t storageBytes(mlir::Type elem);

/// Reads an i8 constant's elements, row-major. Fails (with `why`) when the
/// attribute is not readable or not i8.
mlir::FailureOr<std::vector<int8_t>>
readInt8Elements(mlir::ElementsAttr attr, std::string *why = nullptr);

/// The row-major bytes of a readable non-splat constant (dense or resource)
/// in its element type's storage, one or more bytes per element; nullopt
/// for a splat, an i1 constant or an unreadable one.
std::optional<llvm::ArrayRef<char>> getRawElements(mlir::ElementsAttr attr);

/// Permutes a readable non-splat constant's dimensions at compile time
/// (result dimension i is dimension perm[i]), keeping its kind; null when
/// getRawElements cannot read it.
mlir::ElementsAttr permuteElements(mlir::ElementsAttr attr,
                                   llvm::ArrayRef<int64_t> perm);

/// Reads `attr` as a DenseElementsAttr: itself if it is one, else a copy of
/// the resource's bytes. Null when it cannot be read.
mlir::DenseElementsAttr readAsDense(mlir::ElementsAttr attr);

/// Makes a constant of `type` from raw row-major little-endian bytes in the
/// type's storage layout (one byte per i8, two per f16/bf16/i16, ...): a
/// dense_resource blob named after `nameHint` (made unique) when `like` is a
/// DenseResourceElementsAttr, a DenseElementsAttr otherwise.
mlir::ElementsAttr makeElementsLike(mlir::Attribute like,
                                    mlir::RankedTensorType type,
                                    llvm::ArrayRef<char> raw,
                                    llvm::StringRef nameHint);

/// Makes a constant of `type` whose row-major storage bytes `fill` writes
/// (given a buffer of exactly the type's storage size): a fresh
/// dense_resource blob named after `nameHint` (made unique) that `fill`
/// writes in place when `asResource`, else a DenseElementsAttr. The one way
/// passes create large derived weights: no intermediate copy, no hashing of
/// the bytes for a blob.
mlir::ElementsAttr
makeElements(mlir::RankedTensorType type, bool asResource,
             llvm::StringRef nameHint,
             llvm::function_ref<void(llvm::MutableArrayRef<char>)> fill);

/// makeElementsLike for f32 `values` converted to `type`'s float element
/// type (round to nearest even).
mlir::ElementsAttr makeFloatElementsLike(mlir::Attribute like,
                                         mlir::RankedTensorType type,
                                         llvm::ArrayRef<float> values,
                                         llvm::StringRef nameHint);

/// The blob name a weight derived from `like` should get: its resource key
/// followed by `suffix` ("w0" -> "w0_q"), or `suffix` alone.
std::string derivedResourceName(mlir::Attribute like, llvm::StringRef suffix);

} // namespace quantc

#endif // QUANTC_DIALECT_QUANTC_UTILS_CONSTANTWEIGHTS_H
