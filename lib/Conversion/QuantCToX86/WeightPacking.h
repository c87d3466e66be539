//===- WeightPacking.h - compile-time packing of x86 GEMM weights -*- C++
//-*-===//
//
// The constant weight of a GEMM, packed at compile time into the layout its
// micro-kernel streams: [panel][K / group][panel columns * group], zero
// padded, i8 (vpdpbusd) or sign-extended i16 (vpmaddwd), plus vpdpbusd's
// +128 compensation -128 * colsum(W).
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_WEIGHTPACKING_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_WEIGHTPACKING_H

#include "LoadTimeState.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"

namespace quantc::x86 {

/// The globals one kernel reads its weights from.
struct PackedWeights {
  mlir::memref::GlobalOp weights;
  /// vpdpbusd only: -128 * colsum(W) per (padded) column; null for avx2.
  mlir::memref::GlobalOp compensation;
};

/// memref<panels x K groups x (panel columns * group) x i8|i16>.
mlir::MemRefType getPackedWeightType(X86GemmPlanAttr plan);
/// memref<(panels * panel columns) x i32>.
mlir::MemRefType getCompensationType(X86GemmPlanAttr plan);

/// Packs constant weights into private globals at the start of a module, each
/// weight once per (nr, ISA).
class WeightPacker {
public:
  WeightPacker(mlir::ModuleOp module, mlir::SymbolTable &symbols)
      : module(module), symbols(symbols) {}

  /// The globals of `weight` ([n, k] i8) packed for `plan`, or failure when
  /// the constant's bytes cannot be read (e.g. a resource without data).
  /// The compensation is `compFactor` * colsum(W) (compensationFactor in
  /// MicroKernel.h: -128, or -(128 + zx) with an activation zero point).
  mlir::FailureOr<PackedWeights> getOrCreate(mlir::ElementsAttr weight,
                                             X86GemmPlanAttr plan,
                                             mlir::Location loc,
                                             int32_t compFactor = -128);

  /// The state globals of the load-time weight `weight` ([n, k] i8,
  /// isLoadTimeValue) packed for `plan`: the prepare body computes the
  /// weight and packs it into them with emitWeightPacker, once per (weight,
  /// nr, ISA, compensation factor; see getOrCreate).
  PackedWeights getOrCreateAtLoad(mlir::Value weight, X86GemmPlanAttr plan,
                                  mlir::Location loc, LoadTimeState &state,
                                  int32_t compFactor = -128);

private:
  mlir::ModuleOp module;
  mlir::SymbolTable &symbols;
  /// (weight, nr, isa, compFactor) -> globals.
  llvm::DenseMap<std::tuple<mlir::Attribute, int64_t, unsigned, int32_t>,
                 PackedWeights>
      cache;
  /// (load-time weight, nr, isa, compFactor) -> state globals.
  llvm::DenseMap<std::tuple<void *, int64_t, unsigned, int32_t>, PackedWeights>
      loadCache;
  /// Packing functions by their geometry (n, k, nr, isa, emulation and
  /// source layout, compensation factor).
  llvm::DenseMap<
      std::tuple<int64_t, int64_t, int64_t, unsigned, unsigned, int32_t>,
      mlir::func::FuncOp>
      packers;
};

} // namespace quantc::x86

#endif
