//===- FuseRowLoops.h - one pass over the rows for a chain of ops -*- C++
//-*-===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_FUSEROWLOOPS_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_FUSEROWLOOPS_H

#include "mlir/IR/Operation.h"

#include <optional>

namespace quantc {
/// Merges consecutive row loops of vectorized ops on tensors (as
/// --quantc-x86-vectorize-elementwise writes them) when the second reads the
/// first's results only in the row the first has just written: the loops
/// marked quantc.x86_rows, then, inside each merged loop, the loops of the
/// next level. Both loops must have the same bounds, write their tensors
/// only at their induction variable in the same dimension, and carry
/// nothing but tensors; nothing between them may use the first's results or
/// have memory effects. The merged loop keeps the mark. Results are
/// bit-identical (each element is computed by the same ops). Returns the
/// number of merges.
int64_t fuseRowLoops(mlir::Operation *root);

/// The position that dimension `pos` of a reshape's (tensor.expand_shape or
/// tensor.collapse_shape) source has in its result, when the reshape
/// neither splits nor merges it with another dimension (the other
/// dimensions of its group are static 1s).
std::optional<unsigned> reshapedRowPosition(mlir::Operation *reshape,
                                            unsigned pos);
} // namespace quantc

#endif
