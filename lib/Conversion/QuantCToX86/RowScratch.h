//===- RowScratch.h - one row of scratch for a fused row loop ---*- C++ -*-===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_ROWSCRATCH_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_ROWSCRATCH_H

#include "mlir/IR/Operation.h"

namespace quantc {
/// Shrinks the tensors that a loop marked quantc.x86_rows (after
/// fuseRowLoops) carries only for itself to the rows it works on: a tensor
/// that starts as a tensor.empty, whose result the loop drops, and that
/// every read and write inside indexes, in one dimension each, at the
/// induction variable of a loop nested in the marked one that carries it
/// and encloses all of them (with only such loops, or branches, between it
/// and the marked one: a loop that ran its rows again would read what an
/// earlier run wrote). Those dimensions become 1 (the index 0): the
/// softmax scores of [H, S, S] become [H, 1, S], written and read back from
/// L1 instead of streamed through memory. The marked loop's own dimension
/// stays, so that its iterations (split across threads by
/// --quantc-x86-outline-rows) keep disjoint rows. Each element is computed
/// by the same ops: results are bit-identical. Returns the number of
/// tensors shrunk.
int64_t shrinkRowScratch(mlir::Operation *root);
} // namespace quantc

#endif
