//===- LaunchWrappers.cpp - host launch wrappers of the GPU kernels -------===//
//
// --quantc-gpu-launch-wrappers: the body of every launch wrapper declared by
// --convert-quantc-to-gpu, from its #quantc.gpu_launch attribute; for a
// dynamic-M kernel (block_tile), the grid computed from the rows of A. A
// batched kernel (a 3-D A, [batch, rows, K]; grid.z = batch) takes its 3-D
// buffers as their first matrix and views the others itself.
//
//===----------------------------------------------------------------------===//
#include "quantc/Conversion/QuantCToGPU/QuantCToGPU.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCGPULAUNCHWRAPPERS
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

/// The private function `name` of `module`, declared first when missing.
static func::FuncOp getOrDeclare(ModuleOp module, Location loc, StringRef name,
                                 TypeRange args, TypeRange results) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto f = func::FuncOp::create(b, loc, name, b.getFunctionType(args, results));
  f.setPrivate();
  return f;
}

/// Fills in the body of `fn`: device buffers, copies in (every argument but
/// the output, argument 2), the TMA tensor maps, the launch, the copy out and
/// the frees, on one async chain closed by a wait. With dynamic rows (the
/// launch has a block_tile), all of it under `scf.if` the grid is not empty.
static void buildWrapper(ModuleOp module, func::FuncOp fn,
                         GpuLaunchAttr launch) {
  Location loc = fn.getLoc();
  Block *entry = fn.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockBegin(entry);
  auto idx = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  // Dynamic rows: one block per block_tile of the output; no rows, no
  // launch (CUDA refuses a grid of 0) and nothing to copy.
  Value gridX;
  DenseI64ArrayAttr tile = launch.getBlockTile();
  if (tile) {
    auto aTy = cast<MemRefType>(entry->getArgument(0).getType());
    Value rows =
        memref::DimOp::create(b, loc, entry->getArgument(0), aTy.getRank() - 2);
    Value rowTiles = arith::DivUIOp::create(
        b, loc, arith::AddIOp::create(b, loc, rows, idx(tile[0] - 1)),
        idx(tile[0]));
    auto cTy = cast<MemRefType>(entry->getArgument(2).getType());
    int64_t cols = cTy.getDimSize(cTy.getRank() - 1);
    gridX = arith::MulIOp::create(b, loc, rowTiles, idx(cols / tile[1]));
    Value any =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, gridX, idx(0));
    auto ifOp = scf::IfOp::create(b, loc, any, /*withElseRegion=*/false);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  }
  Type tokTy = gpu::AsyncTokenType::get(b.getContext());
  Value tok = gpu::WaitOp::create(b, loc, tokTy, ValueRange{}).getAsyncToken();
  SmallVector<Value> dev;
  for (BlockArgument arg : entry->getArguments()) {
    auto ty = cast<MemRefType>(arg.getType());
    SmallVector<Value> sizes;
    for (int64_t i = 0; i < ty.getRank(); ++i)
      if (ty.isDynamicDim(i))
        sizes.push_back(memref::DimOp::create(b, loc, arg, i));
    auto alloc = gpu::AllocOp::create(b, loc, ty, tokTy, ValueRange{tok}, sizes,
                                      ValueRange{});
    dev.push_back(alloc.getMemref());
    tok = alloc.getAsyncToken();
  }
  for (auto [i, arg] : llvm::enumerate(entry->getArguments())) {
    if (i == 2)
      continue;
    tok = gpu::MemcpyOp::create(b, loc, tokTy, ValueRange{tok}, dev[i], arg)
              .getAsyncToken();
  }
  // The kernel takes a buffer with dynamic rows as a view of its first
  // block_tile rows (bare pointers carry no sizes; it recovers M from the
  // grid), and a batched [batch, rows, cols] buffer as its first matrix
  // (it views the matrix of its blockIdx.z).
  SmallVector<Value> kernelArgs;
  for (Value d : dev) {
    auto ty = cast<MemRefType>(d.getType());
    // Static 2-D buffers, and the split-K kernel's 1-D workspace, as they
    // are.
    if (ty.getRank() <= 2 && ty.hasStaticShape()) {
      kernelArgs.push_back(d);
      continue;
    }
    int64_t rank = ty.getRank();
    int64_t rows =
        ty.isDynamicDim(rank - 2) ? tile[0] : ty.getDimSize(rank - 2);
    int64_t cols = ty.getDimSize(rank - 1);
    kernelArgs.push_back(memref::ReinterpretCastOp::create(
        b, loc, MemRefType::get({rows, cols}, ty.getElementType()), d,
        b.getIndexAttr(0), {b.getIndexAttr(rows), b.getIndexAttr(cols)},
        {b.getIndexAttr(cols), b.getIndexAttr(1)}));
  }
  SmallVector<Value> maps;
  auto ptrTy = LLVM::LLVMPointerType::get(b.getContext());
  if (DenseI64ArrayAttr box = launch.getTmaBox()) {
    // quantcTensorMap2D (lib/Runtime) encodes a map of A and of B from the
    // device buffers: (rows, K, box rows, box K).
    auto i64 = b.getI64Type();
    func::FuncOp make = getOrDeclare(module, loc, "quantcTensorMap2D",
                                     {ptrTy, i64, i64, i64, i64}, {ptrTy});
    auto c64 = [&](int64_t v) -> Value {
      return arith::ConstantIntOp::create(b, loc, i64, v);
    };
    for (int which = 0; which < 2; ++which) {
      auto ty = cast<MemRefType>(dev[which].getType());
      Value p =
          memref::ExtractAlignedPointerAsIndexOp::create(b, loc, dev[which]);
      p = arith::IndexCastOp::create(b, loc, i64, p);
      p = LLVM::IntToPtrOp::create(b, loc, ptrTy, p);
      Value rows =
          ty.isDynamicDim(0)
              ? arith::IndexCastOp::create(
                    b, loc, i64, memref::DimOp::create(b, loc, dev[which], 0))
                    .getResult()
              : c64(ty.getDimSize(0));
      Value map =
          func::CallOp::create(b, loc, make,
                               ValueRange{p, rows, c64(ty.getDimSize(1)),
                                          c64(box[which]), c64(box[2])})
              .getResult(0);
      maps.push_back(map);
      kernelArgs.push_back(map);
    }
  }
  ArrayRef<int64_t> grid = launch.getGrid().asArrayRef();
  ArrayRef<int64_t> block = launch.getBlock().asArrayRef();
  gpu::KernelDim3 g{gridX ? gridX : idx(grid[0]), idx(grid[1]), idx(grid[2])};
  gpu::KernelDim3 bl{idx(block[0]), idx(block[1]), idx(block[2])};
  Value sm = arith::ConstantIntOp::create(b, loc, b.getI32Type(),
                                          launch.getSharedBytes());
  tok = gpu::LaunchFuncOp::create(b, loc, launch.getKernel(), g, bl, sm,
                                  kernelArgs, tokTy, ValueRange{tok})
            .getAsyncToken();
  tok = gpu::MemcpyOp::create(b, loc, tokTy, ValueRange{tok},
                              entry->getArgument(2), dev[2])
            .getAsyncToken();
  for (Value d : dev)
    tok = gpu::DeallocOp::create(b, loc, tokTy, ValueRange{tok}, d)
              .getAsyncToken();
  gpu::WaitOp::create(b, loc, Type(), ValueRange{tok});
  if (!maps.empty()) {
    func::FuncOp freeFn =
        getOrDeclare(module, loc, "quantcTensorMapFree", {ptrTy}, {});
    for (Value m : maps)
      func::CallOp::create(b, loc, freeFn, ValueRange{m});
  }
  b.setInsertionPointToEnd(entry);
  func::ReturnOp::create(b, loc);
}

namespace {

struct QuantCGPULaunchWrappersPass
    : quantc::impl::QuantCGPULaunchWrappersBase<QuantCGPULaunchWrappersPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> wrappers;
    module.walk([&](func::FuncOp fn) {
      if (fn->hasAttr(GpuLaunchAttr::getAttrName()) && fn.isDeclaration())
        wrappers.push_back(fn);
    });
    for (func::FuncOp fn : wrappers) {
      auto launch =
          fn->getAttrOfType<GpuLaunchAttr>(GpuLaunchAttr::getAttrName());
      if (!launch) {
        fn.emitError() << GpuLaunchAttr::getAttrName()
                       << " must be a #quantc.gpu_launch attribute";
        return signalPassFailure();
      }
      // A, B, the output C, then the epilogue operands: device copies of
      // each are allocated by shape. With block_tile, all but B may have
      // dynamic rows. Batched (a 3-D A), every buffer is [batch, rows,
      // cols] with the launch's grid.z as batch, or has one matrix for every
      // batch (2-D, or a batch of 1 for an epilogue operand).
      auto isWorkspace = [&](size_t i, MemRefType ty) {
        return i >= 3 && i + 1 == fn.getNumArguments() && ty.getRank() == 1 &&
               ty.hasStaticShape() && ty.getLayout().isIdentity() &&
               !launch.hasDynamicRows();
      };
      auto isBuffer = [&](auto indexedType) {
        auto [i, t] = indexedType;
        auto ty = dyn_cast<MemRefType>(t);
        // The split-K kernel's i32 workspace: a static 1-D buffer last.
        if (ty && isWorkspace(i, ty))
          return true;
        if (!ty || !ty.getLayout().isIdentity() || ty.getRank() < 2 ||
            ty.getRank() > 3)
          return false;
        int64_t rank = ty.getRank();
        // The epilogue operands may have one matrix for every batch.
        if (rank == 3 && ty.getDimSize(0) != launch.getGrid()[2] &&
            (i < 3 || ty.getDimSize(0) != 1))
          return false;
        if (!launch.hasDynamicRows())
          return ty.hasStaticShape();
        return !ty.isDynamicDim(rank - 1) &&
               (rank != 3 || !ty.isDynamicDim(0)) &&
               (i != 1 || ty.hasStaticShape());
      };
      bool batched = fn.getNumArguments() > 0 &&
                     isa<MemRefType>(fn.getArgumentTypes()[0]) &&
                     cast<MemRefType>(fn.getArgumentTypes()[0]).getRank() == 3;
      bool ranksAgree =
          llvm::all_of(llvm::enumerate(fn.getArgumentTypes()), [&](auto it) {
            auto ty = dyn_cast<MemRefType>(it.value());
            return !ty || batched || ty.getRank() == 2 ||
                   isWorkspace(it.index(), ty);
          });
      if (fn.getNumArguments() < 3 || !ranksAgree ||
          !llvm::all_of(llvm::enumerate(fn.getArgumentTypes()), isBuffer)) {
        fn.emitError(launch.hasDynamicRows()
                         ? "a launch wrapper with block_tile takes 2-D "
                           "memrefs, static but for the rows of all but B: A, "
                           "B, the output, then the epilogue operands (3-D "
                           "[grid.z, rows, cols] or 2-D when A is 3-D: "
                           "batched)"
                         : "a launch wrapper takes statically shaped memrefs: "
                           "A, B, the output, then the epilogue operands (3-D "
                           "[grid.z, rows, cols] or 2-D when A is 3-D: "
                           "batched)");
        return signalPassFailure();
      }
      if (batched && launch.getTmaBox()) {
        fn.emitError("a batched launch wrapper (3-D A) takes no tma_box: its "
                     "tensor maps would describe one 2-D matrix");
        return signalPassFailure();
      }
      if (DenseI64ArrayAttr tile = launch.getBlockTile()) {
        auto out = cast<MemRefType>(fn.getArgumentTypes()[2]);
        if (out.getDimSize(out.getRank() - 1) % tile[1]) {
          fn.emitError() << "the output's columns must be a multiple of "
                            "block_tile's ("
                         << tile[1] << "), got " << out;
          return signalPassFailure();
        }
      }
      buildWrapper(module, fn, launch);
      // Consumed: the launch is code now, and translation to LLVM IR knows
      // no quantc attribute.
      fn->removeAttr(GpuLaunchAttr::getAttrName());
    }
  }
};

} // namespace
