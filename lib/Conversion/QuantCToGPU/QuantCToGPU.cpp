//===- QuantCToGPU.cpp - quantc GEMMs to Tensor Core kernels --------------===//
#include "quantc/Conversion/QuantCToGPU/QuantCToGPU.h"
#include "quantc/Conversion/QuantCToGPU/GemmKernel.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringSet.h"

namespace quantc {
#define GEN_PASS_DEF_CONVERTQUANTCTOGPU
#define GEN_PASS_DEF_QUANTCGPULAUNCHWRAPPERS
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

static constexpr llvm::StringLiteral kKernelModule = "quantc_kernels";
static constexpr llvm::StringLiteral kKernelAttr = "quantc.gpu_kernel";
static constexpr llvm::StringLiteral kGridAttr = "quantc.gpu_grid";
static constexpr llvm::StringLiteral kBlockAttr = "quantc.gpu_block";
static constexpr llvm::StringLiteral kSmemAttr = "quantc.gpu_shared_bytes";
/// TMA boxes [rows of A, rows of B, bytes of K]: the wrapper makes the tensor
/// maps (quantcTensorMap2D in lib/Runtime) and passes them after the memrefs.
static constexpr llvm::StringLiteral kTmaAttr = "quantc.gpu_tma_box";

namespace {

/// A static 2-D f32 epilogue operand, or a reason it is not one.
static FailureOr<EpilogueOperand> epilogueShape(Value v) {
  auto ty = dyn_cast<RankedTensorType>(v.getType());
  if (!ty || ty.getRank() != 2 || !ty.hasStaticShape() ||
      !ty.getElementType().isF32())
    return failure();
  return EpilogueOperand{ty.getDimSize(0), ty.getDimSize(1)};
}

/// Whether `rescale` can run as the fused epilogue of a kernel.
static bool canFuse(RescaleOp rescale, GemmKernelSpec &spec) {
  // The kernels have no residual input: such a rescale runs after the GEMM.
  if (rescale.getResidual())
    return false;
  Type out = rescale.getResult().getType().getElementType();
  auto xs = epilogueShape(rescale.getXScale());
  auto ws = epilogueShape(rescale.getWScale());
  if (failed(xs) || failed(ws))
    return false;
  spec.xScale = *xs;
  spec.wScale = *ws;
  if (Value b = rescale.getBias()) {
    auto bs = epilogueShape(b);
    if (failed(bs))
      return false;
    spec.bias = *bs;
  }
  if (Value os = rescale.getOutputScale()) {
    auto oss = epilogueShape(os);
    if (failed(oss) || !out.isInteger(8))
      return false;
    spec.outputScale = *oss;
    spec.output = GemmOutput::I8;
    spec.qmin = rescale.getQuantMin();
    spec.qmax = rescale.getQuantMax();
  } else if (out.isF32()) {
    spec.output = GemmOutput::F32;
  } else if (out.isF16()) {
    spec.output = GemmOutput::F16;
  } else {
    return false;
  }
  spec.activation = static_cast<int>(rescale.getActivation());
  return true;
}

struct ConvertQuantCToGPUPass
    : quantc::impl::ConvertQuantCToGPUBase<ConvertQuantCToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    static const llvm::StringSet<llvm::MallocAllocator> kChips = {
        "sm_80", "sm_86", "sm_87", "sm_89", "sm_90", "sm_90a"};
    if (!kChips.contains(chip)) {
      module.emitError() << "unsupported chip '" << chip
                         << "': expected one of sm_80, sm_86, sm_87, sm_89, "
                            "sm_90, sm_90a (int8 mma.sync needs sm_80+)";
      return signalPassFailure();
    }
    SmallVector<MatmulOp> matmuls;
    module.walk([&](MatmulOp op) { matmuls.push_back(op); });
    if (matmuls.empty())
      return;

    OpBuilder b(module.getContext());
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    b.getUnitAttr());
    SymbolTable symbols(module);
    auto kernels =
        dyn_cast_or_null<gpu::GPUModuleOp>(symbols.lookup(kKernelModule));
    if (!kernels) {
      b.setInsertionPointToEnd(module.getBody());
      kernels = gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModule);
      symbols.insert(kernels);
    }
    SymbolTable kernelSymbols(kernels);

    for (MatmulOp mm : matmuls)
      if (failed(convert(mm, module, symbols, kernels, kernelSymbols)))
        return signalPassFailure();
    // Every GEMM stayed on the host: no GPU module, a plain host program.
    if (kernels.getBody()->without_terminator().empty()) {
      kernels.erase();
      module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
    }
  }

  LogicalResult convert(MatmulOp mm, ModuleOp module, SymbolTable &symbols,
                        gpu::GPUModuleOp kernels, SymbolTable &kernelSymbols) {
    auto lhsTy = cast<RankedTensorType>(mm.getLhs().getType());
    auto rhsTy = cast<RankedTensorType>(mm.getRhs().getType());
    // A GEMM no kernel can take stays a quantc.matmul, which the rest of the
    // pipeline lowers for the host: a remark says so.
    auto onHost = [&](const Twine &why) {
      mm.emitRemark() << "runs on the host, not on Tensor Cores: " << why;
      return success();
    };
    if (lhsTy.getRank() != 2)
      return onHost("batched GEMMs are not outlined yet");
    if (!lhsTy.hasStaticShape() || !rhsTy.hasStaticShape())
      return onHost("dynamic shapes (kernels are specialised to M, N, K)");
    if (!lhsTy.getElementType().isInteger(8) ||
        !rhsTy.getElementType().isInteger(8))
      return onHost("int8 Tensor Core MMA needs i8 operands");

    GemmKernelSpec spec;
    const int64_t m = lhsTy.getDimSize(0);
    spec.m = m;
    spec.k = lhsTy.getDimSize(1);
    spec.n = rhsTy.getDimSize(0);
    if (spec.k % 32)
      return onHost("the reduction dimension (" + Twine(spec.k) +
                    ") is not a multiple of 32 (the int8 MMA K)");
    if (spec.n % 16)
      return onHost("the column dimension (" + Twine(spec.n) +
                    ") is not a multiple of 16");
    // Rows are padded with zeros up to a multiple of 16 (e.g. a few decode
    // tokens); the extra rows of the result are dropped.
    spec.m = llvm::alignTo(m, 16);
    if (int64_t overflow = spec.k * 127 * 127; overflow >= (int64_t(1) << 31))
      mm.emitWarning() << "int32 accumulators may overflow: K = " << spec.k
                       << " and K * 127 * 127 >= 2^31 (the MMA saturates)";

    RescaleOp rescale;
    if (mm->hasOneUse())
      if (auto r = dyn_cast<RescaleOp>(*mm->user_begin()))
        if (r.getAcc() == mm.getResult() && canFuse(r, spec))
          rescale = r;
    // Padded rows: every epilogue operand must be per-row (padded with the
    // matrix) or broadcast along rows; otherwise the rescale runs on the host.
    auto padRows = [&](std::optional<EpilogueOperand> &o) {
      if (o && o->rows == m && m != 1)
        o->rows = spec.m;
    };
    auto rowsOk = [&](const std::optional<EpilogueOperand> &o) {
      return !o || o->rows == 1 || o->rows == m;
    };
    if (rescale && spec.m != m &&
        !(rowsOk(spec.xScale) && rowsOk(spec.wScale) && rowsOk(spec.bias) &&
          rowsOk(spec.outputScale)))
      rescale = nullptr;
    if (rescale) {
      padRows(spec.xScale);
      padRows(spec.wScale);
      padRows(spec.bias);
      padRows(spec.outputScale);
    }
    if (!rescale) {
      spec.output = GemmOutput::I32;
      spec.xScale = spec.wScale = spec.bias = spec.outputScale = std::nullopt;
    }

    // sm_90a: the wgmma kernel where the shape fits its tiles, else mma.sync.
    bool useWgmma = chip == "sm_90a" && !chooseWgmmaTiling(spec);
    if (!useWgmma) {
      spec.tiling = GemmTiling();
      if (auto why = chooseTiling(spec))
        return onHost(*why);
    }
    GemmTiling &t = spec.tiling;
    if (tileM)
      t.tileM = tileM;
    if (tileN)
      t.tileN = tileN;
    if (tileK)
      t.tileK = tileK;
    if (warpM)
      t.warpM = warpM;
    if (warpN)
      t.warpN = warpN;
    if (stages)
      t.stages = stages;
    t.tma = useWgmma && tma;
    if (useWgmma) {
      if (t.tileM % 64 || spec.m % t.tileM || spec.n % t.tileN ||
          t.tileK != 128 || spec.k % t.tileK || t.tileN % 64 || t.tileN > 256 ||
          t.stages < 3 || spec.k / t.tileK < t.stages - 2 ||
          t.numThreads() > 1024)
        return mm.emitOpError("invalid wgmma tiling ")
               << t.tileM << "x" << t.tileN << "x" << t.tileK << " ("
               << t.stages << " stages) for the GEMM " << spec.m << "x"
               << spec.n << "x" << spec.k;
    } else if (spec.m % t.tileM || spec.n % t.tileN || spec.k % t.tileK ||
               t.tileM % t.warpM || t.tileN % t.warpN || t.warpM % 16 ||
               t.warpN % 16 || t.tileK % 32 || t.stages < 2 ||
               spec.k / t.tileK < t.stages - 1 || t.numThreads() > 1024 ||
               t.numThreads() % (t.tileK / 16))
      return mm.emitOpError("invalid tiling ")
             << t.tileM << "x" << t.tileN << "x" << t.tileK << " (warp "
             << t.warpM << "x" << t.warpN << ", " << t.stages
             << " stages) for the GEMM " << spec.m << "x" << spec.n << "x"
             << spec.k;
    if (t.sharedBytes() > 227 * 1024)
      return mm.emitOpError("tiling needs ")
             << t.sharedBytes() << " bytes of shared memory (max 232448)";

    // Unique kernel name.
    unsigned id = 0;
    while (kernelSymbols.lookup("gemm_" + std::to_string(id)))
      ++id;
    spec.name = "gemm_" + std::to_string(id);

    std::string text =
        "gpu.module @tmp {\n" +
        (useWgmma ? generateWgmmaKernel(spec) : generateMmaSyncKernel(spec)) +
        "}\n";
    ParserConfig config(module.getContext());
    OwningOpRef<ModuleOp> parsed = parseSourceString<ModuleOp>(text, config);
    if (!parsed) {
      // Debugging aid for the kernel generator: print the text that failed.
      if (getenv("QUANTC_DUMP_KERNEL"))
        llvm::errs() << text;
      return mm.emitOpError("internal error: the generated kernel does not "
                            "parse");
    }
    auto tmp = cast<gpu::GPUModuleOp>(parsed->getBody()->front());
    auto func = cast<gpu::GPUFuncOp>(tmp.getBody()->front());
    func->remove();
    func->setLoc(mm.getLoc());
    kernelSymbols.insert(func);

    // Host side: a call to a launch wrapper on buffers.
    Operation *anchor = rescale ? rescale.getOperation() : mm.getOperation();
    OpBuilder b(anchor);
    Location loc = mm.getLoc();
    SmallVector<Value> tensors = {mm.getLhs(), mm.getRhs()};
    Type outTensorTy =
        rescale ? rescale.getResult().getType() : mm.getResult().getType();
    SmallVector<Value> buffers;
    SmallVector<Type> argTys;
    // Zero rows up to spec.m for operands with one row per GEMM row.
    // (With m == 1 a one-row scale is a broadcast and stays as it is.)
    auto padded = [&](Value tensor, bool isLhs) -> Value {
      auto tty = cast<RankedTensorType>(tensor.getType());
      if (spec.m == m || tty.getDimSize(0) != m || (m == 1 && !isLhs))
        return tensor;
      auto padTy = RankedTensorType::get({spec.m, tty.getDimSize(1)},
                                         tty.getElementType());
      Value zero = arith::ConstantOp::create(
          b, loc, b.getZeroAttr(tty.getElementType()));
      return tensor::createPadHighOp(padTy, tensor, zero, /*nofold=*/false, loc,
                                     b);
    };
    auto toBuffer = [&](Value tensor) {
      tensor = padded(tensor, tensor == mm.getLhs());
      auto tty = cast<RankedTensorType>(tensor.getType());
      auto mty = MemRefType::get(tty.getShape(), tty.getElementType());
      buffers.push_back(bufferization::ToBufferOp::create(b, loc, mty, tensor,
                                                          /*read_only=*/true));
      argTys.push_back(mty);
    };
    for (Value v : tensors)
      toBuffer(v);
    auto outTy = cast<RankedTensorType>(outTensorTy);
    auto outMemTy = MemRefType::get({spec.m, spec.n}, outTy.getElementType());
    Value out = memref::AllocOp::create(b, loc, outMemTy);
    if (rescale) {
      toBuffer(rescale.getXScale());
      toBuffer(rescale.getWScale());
      if (Value v = rescale.getBias())
        toBuffer(v);
      if (Value v = rescale.getOutputScale())
        toBuffer(v);
    }
    // Output buffer goes third to match the kernel signature (A, B, C, ...).
    buffers.insert(buffers.begin() + 2, out);
    argTys.insert(argTys.begin() + 2, outMemTy);

    OpBuilder mb(module.getBodyRegion());
    mb.setInsertionPoint(kernels);
    auto wrapper = func::FuncOp::create(mb, loc, "__quantc_launch_" + spec.name,
                                        mb.getFunctionType(argTys, {}));
    wrapper.setPrivate();
    wrapper->setAttr(kKernelAttr,
                     SymbolRefAttr::get(kernels.getSymNameAttr(),
                                        {FlatSymbolRefAttr::get(func)}));
    int64_t grid = (spec.m / t.tileM) * (spec.n / t.tileN);
    wrapper->setAttr(kGridAttr, mb.getDenseI64ArrayAttr({grid, 1, 1}));
    wrapper->setAttr(kBlockAttr,
                     mb.getDenseI64ArrayAttr({t.numThreads(), 1, 1}));
    wrapper->setAttr(kSmemAttr, mb.getI64IntegerAttr(t.sharedBytes()));
    if (t.tma)
      wrapper->setAttr(kTmaAttr,
                       mb.getDenseI64ArrayAttr({t.tileM, t.tileN, t.tileK}));
    symbols.insert(wrapper);

    func::CallOp::create(b, loc, wrapper, buffers);
    Value result = bufferization::ToTensorOp::create(
        b, loc, RankedTensorType::get({spec.m, spec.n}, outTy.getElementType()),
        out, /*restrict=*/true, /*writable=*/true);
    if (spec.m != m)
      result = tensor::ExtractSliceOp::create(
          b, loc, cast<RankedTensorType>(outTensorTy), result,
          ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(m), b.getIndexAttr(spec.n)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    if (rescale) {
      rescale.getResult().replaceAllUsesWith(result);
      rescale.erase();
    } else {
      mm.getResult().replaceAllUsesWith(result);
    }
    mm.erase();
    return success();
  }
};

struct QuantCGPULaunchWrappersPass
    : quantc::impl::QuantCGPULaunchWrappersBase<QuantCGPULaunchWrappersPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> wrappers;
    module.walk([&](func::FuncOp fn) {
      if (fn->hasAttr(kKernelAttr) && fn.isDeclaration())
        wrappers.push_back(fn);
    });
    for (func::FuncOp fn : wrappers) {
      auto kernel = fn->getAttrOfType<SymbolRefAttr>(kKernelAttr);
      auto grid = fn->getAttrOfType<DenseI64ArrayAttr>(kGridAttr);
      auto block = fn->getAttrOfType<DenseI64ArrayAttr>(kBlockAttr);
      auto smem = fn->getAttrOfType<IntegerAttr>(kSmemAttr);
      if (!grid || !block || !smem || grid.size() != 3 || block.size() != 3) {
        fn.emitError("malformed quantc GPU launch wrapper attributes");
        return signalPassFailure();
      }
      Location loc = fn.getLoc();
      Block *entry = fn.addEntryBlock();
      OpBuilder b = OpBuilder::atBlockBegin(entry);
      Type tokTy = gpu::AsyncTokenType::get(b.getContext());
      Value tok =
          gpu::WaitOp::create(b, loc, tokTy, ValueRange{}).getAsyncToken();
      SmallVector<Value> dev;
      for (BlockArgument arg : entry->getArguments()) {
        auto alloc =
            gpu::AllocOp::create(b, loc, arg.getType(), tokTy, ValueRange{tok},
                                 ValueRange{}, ValueRange{});
        dev.push_back(alloc.getMemref());
        tok = alloc.getAsyncToken();
      }
      // Argument 2 is the output; everything else is an input.
      for (auto [i, arg] : llvm::enumerate(entry->getArguments())) {
        if (i == 2)
          continue;
        tok = gpu::MemcpyOp::create(b, loc, tokTy, ValueRange{tok}, dev[i], arg)
                  .getAsyncToken();
      }
      auto idx = [&](int64_t v) -> Value {
        return arith::ConstantIndexOp::create(b, loc, v);
      };
      SmallVector<Value> kernelArgs(dev.begin(), dev.end());
      SmallVector<Value> maps;
      if (auto box = fn->getAttrOfType<DenseI64ArrayAttr>(kTmaAttr)) {
        auto ptrTy = LLVM::LLVMPointerType::get(b.getContext());
        auto i64 = b.getI64Type();
        OpBuilder mbld(module.getBodyRegion());
        auto getFn = [&](StringRef name, TypeRange args, TypeRange results) {
          if (auto f = module.lookupSymbol<func::FuncOp>(name))
            return f;
          mbld.setInsertionPointToStart(module.getBody());
          auto f = func::FuncOp::create(mbld, loc, name,
                                        mbld.getFunctionType(args, results));
          f.setPrivate();
          return f;
        };
        auto make =
            getFn("quantcTensorMap2D", {ptrTy, i64, i64, i64, i64}, {ptrTy});
        auto c64 = [&](int64_t v) -> Value {
          return arith::ConstantIntOp::create(b, loc, i64, v);
        };
        for (int which = 0; which < 2; ++which) {
          auto ty = cast<MemRefType>(dev[which].getType());
          Value p = memref::ExtractAlignedPointerAsIndexOp::create(b, loc,
                                                                   dev[which]);
          p = arith::IndexCastOp::create(b, loc, i64, p);
          p = LLVM::IntToPtrOp::create(b, loc, ptrTy, p);
          Value map =
              func::CallOp::create(b, loc, make,
                                   ValueRange{p, c64(ty.getDimSize(0)),
                                              c64(ty.getDimSize(1)),
                                              c64(box[which]), c64(box[2])})
                  .getResult(0);
          maps.push_back(map);
          kernelArgs.push_back(map);
        }
      }
      gpu::KernelDim3 g{idx(grid[0]), idx(grid[1]), idx(grid[2])};
      gpu::KernelDim3 bl{idx(block[0]), idx(block[1]), idx(block[2])};
      Value sm =
          arith::ConstantIntOp::create(b, loc, b.getI32Type(), smem.getInt());
      tok = gpu::LaunchFuncOp::create(b, loc, kernel, g, bl, sm, kernelArgs,
                                      tokTy, ValueRange{tok})
                .getAsyncToken();
      tok = gpu::MemcpyOp::create(b, loc, tokTy, ValueRange{tok},
                                  entry->getArgument(2), dev[2])
                .getAsyncToken();
      for (Value d : dev)
        tok = gpu::DeallocOp::create(b, loc, tokTy, ValueRange{tok}, d)
                  .getAsyncToken();
      gpu::WaitOp::create(b, loc, Type(), ValueRange{tok});
      if (!maps.empty()) {
        auto ptrTy = LLVM::LLVMPointerType::get(b.getContext());
        func::FuncOp freeFn =
            module.lookupSymbol<func::FuncOp>("quantcTensorMapFree");
        if (!freeFn) {
          OpBuilder mbld(module.getBodyRegion());
          mbld.setInsertionPointToStart(module.getBody());
          freeFn = func::FuncOp::create(mbld, loc, "quantcTensorMapFree",
                                        mbld.getFunctionType({ptrTy}, {}));
          freeFn.setPrivate();
        }
        for (Value m : maps)
          func::CallOp::create(b, loc, freeFn, ValueRange{m});
      }
      func::ReturnOp::create(b, loc);
    }
  }
};

} // namespace
