//===- ShapeRelations.h - which argument sizes must agree -------*- C++ -*-===//
//
// A compiled function with dynamic shapes trusts its caller: a reduction size
// that differs between two arguments makes the generated loops read past a
// buffer. Before lowering, the facade records which argument dimensions the
// function's ops tie together (and to which static size), and which integer
// arguments index a table (and its size), so that every call is checked
// before it runs (the Python wrapper, the C runtime's quantc_check_args).
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_FACADE_SHAPERELATIONS_H
#define QUANTC_LIB_FACADE_SHAPERELATIONS_H

#include "quantc/Facade/Facade.h"

namespace mlir::func {
class FuncOp;
} // namespace mlir::func

namespace quantc::facade {

/// The groups of `fn`'s argument dimensions that must be equal at run time
/// (with the static size a group must have, if any member is static). Only
/// groups with a dynamic argument dimension are returned. A group's range
/// [min, max] comes from tensor.extract_slice / insert_slice with static
/// offsets and strides: a dynamic size sliced out of (or into) a static
/// dimension, a static size sliced out of a dynamic one. Ops it does not
/// understand add no relation.
std::vector<DimGroup> computeDimGroups(mlir::func::FuncOp fn);

/// The integer tensor arguments of `fn` whose every element indexes a
/// static dimension (a linalg.generic reading the argument, through
/// reshapes, and using the element, index_cast, in a tensor.extract): with
/// the smallest such dimension. The compiled lookup does not bound its index
/// (one outside reads past the table), so a call checks them (IndexBound).
std::vector<IndexBound> computeIndexBounds(mlir::func::FuncOp fn);

} // namespace quantc::facade

#endif
