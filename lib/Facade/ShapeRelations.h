//===- ShapeRelations.h - which argument sizes must agree -------*- C++ -*-===//
//
// A compiled function with dynamic shapes trusts its caller: a reduction size
// that differs between two arguments makes the generated loops read past a
// buffer. Before lowering, the facade records which argument dimensions the
// function's ops tie together (and to which static size), so that the Python
// wrapper checks every call before it runs.
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
/// groups with a dynamic argument dimension are returned. Ops it does not
/// understand add no relation.
std::vector<DimGroup> computeDimGroups(mlir::func::FuncOp fn);

} // namespace quantc::facade

#endif
