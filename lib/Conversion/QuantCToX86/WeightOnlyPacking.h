//===- WeightOnlyPacking.h - weight-only operands in kernel layout -*- C++ -*-//
//
// The layouts the weight-only kernels (WeightOnlyGemm.h) read their weight,
// scale and zero point in, each written once (WeightOnlyPacking.cpp) as a
// rule over an abstract builder and run two ways: at compile time on a
// constant's values (packWeightOnly*) and as IR in the prepare function for
// a weight bound at load time (emitWeightOnly*Packer). Both give the same
// bytes.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_WEIGHTONLYPACKING_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_WEIGHTONLYPACKING_H

#include "WeightOnlyGemm.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace quantc::x86 {

/// Where a weight-only operand's element (k or group, n) lies in its stored
/// row-major 2-D form: `nFirst` for [n, k] ([n, groups]) storage, else
/// [k, n] ([groups, n]); `rows` x `cols` its shape. A dimension of extent 1
/// (a per-channel scale's K, a per-tensor one's N) is broadcast.
struct WeightOnlySource {
  bool nFirst = false;
  int64_t rows = 0, cols = 0;
};

/// Bytes of the packed weight of `plan` (int8 panels, or 4-bit pairs).
int64_t getPackedWeightBytes(const WeightOnlyPlan &plan);
/// Elements of the scale (f32) or offset (i32) table of `plan`: one row of
/// N padded to whole panels per group (one row without groups).
int64_t getTableElements(const WeightOnlyPlan &plan);

/// The weight of `plan` in the kernel's layout (WeightOnlyPlan::wStridePanel
/// ff.): int8 panels [panel][k][panelCols], or for 4-bit weights per pair of
/// column vectors q + 8 of the even vector in the low nibble and of the odd
/// one in the high nibble; padding 0. `weight`: a readable i8 / i4 constant
/// stored as `src`. The result keeps the constant's kind (a dense_resource
/// stays a blob).
mlir::ElementsAttr packWeightOnlyWeight(const WeightOnlyPlan &plan,
                                        mlir::ElementsAttr weight,
                                        const WeightOnlySource &src);
/// The f32 scale table [group][n padded to whole panels] (padding 0).
mlir::ElementsAttr packWeightOnlyScale(const WeightOnlyPlan &plan,
                                       mlir::ElementsAttr scale,
                                       const WeightOnlySource &src);
/// The i32 offset table [group][n padded]: the zero point plus 8 for 4-bit
/// weights (stored as q + 8); padding 8 / 0.
mlir::ElementsAttr packWeightOnlyZeroPoint(const WeightOnlyPlan &plan,
                                           mlir::ElementsAttr zeroPoint,
                                           const WeightOnlySource &src);

/// The same three rules as IR at `b`: reads the 2-D memref `source` (i8 /
/// i4 weight, f32 scale, integer zero point; identity layout, stored as
/// `src`) and writes every element of the flat memref `dest` (i8 of
/// getPackedWeightBytes, f32 / i32 of getTableElements), padding included,
/// so that a rebinding overwrites all of it.
void emitWeightOnlyWeightPacker(mlir::OpBuilder &b, mlir::Location loc,
                                const WeightOnlyPlan &plan, mlir::Value source,
                                const WeightOnlySource &src, mlir::Value dest);
void emitWeightOnlyScalePacker(mlir::OpBuilder &b, mlir::Location loc,
                               const WeightOnlyPlan &plan, mlir::Value source,
                               const WeightOnlySource &src, mlir::Value dest);
void emitWeightOnlyZeroPointPacker(mlir::OpBuilder &b, mlir::Location loc,
                                   const WeightOnlyPlan &plan,
                                   mlir::Value source,
                                   const WeightOnlySource &src,
                                   mlir::Value dest);

} // namespace quantc::x86

#endif
