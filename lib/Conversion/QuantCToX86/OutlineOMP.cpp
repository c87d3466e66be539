//===- OutlineOMP.cpp - parallel x86 GEMM kernels on an OpenMP team -------===//
//
// Each call of a kernel whose plan says `parallel = true` becomes
// GOMP_parallel over a worker that runs the kernel on the thread's share of
// the weight panels. See the pass description in Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCX86OUTLINEOMP
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {

/// The OpenMP entry points of the GOMP ABI (libgomp, and LLVM's libomp).
struct OpenMPRuntime {
  LLVM::LLVMFuncOp parallel, threadNum, numThreads;

  /// Declares the entry points, or reuses the module's own declarations when
  /// they have the runtime's types. A symbol of the same name that is
  /// something else would make the calls invalid: that is an error naming it.
  static FailureOr<OpenMPRuntime> declare(ModuleOp module) {
    MLIRContext *ctx = module.getContext();
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto ptrTy = LLVM::LLVMPointerType::get(ctx);
    auto i32 = IntegerType::get(ctx, 32);
    auto voidTy = LLVM::LLVMVoidType::get(ctx);
    bool ok = true;
    auto declare = [&](StringRef name,
                       LLVM::LLVMFunctionType ty) -> LLVM::LLVMFuncOp {
      Operation *existing = module.lookupSymbol(name);
      if (!existing)
        return LLVM::LLVMFuncOp::create(b, module.getLoc(), name, ty);
      auto f = dyn_cast<LLVM::LLVMFuncOp>(existing);
      if (f && f.getFunctionType() == ty)
        return f;
      InFlightDiagnostic diag = existing->emitError()
                                << "'@" << name << "' is defined here as ";
      if (f)
        diag << "a function of type " << f.getFunctionType();
      else
        diag << "'" << existing->getName() << "'";
      diag << ", but the parallel GEMM kernels call the OpenMP runtime's "
           << name << " of type " << ty
           << "; rename the symbol, or compile with "
              "quantc-cpu-pipeline{vnni-parallel-min-macs=-1} "
              "(single-threaded kernels)";
      ok = false;
      return nullptr;
    };
    OpenMPRuntime omp{
        // GOMP_parallel(fn, data, num_threads (0: OMP_NUM_THREADS), flags)
        declare("GOMP_parallel",
                LLVM::LLVMFunctionType::get(voidTy, {ptrTy, ptrTy, i32, i32})),
        declare("omp_get_thread_num", LLVM::LLVMFunctionType::get(i32, {})),
        declare("omp_get_num_threads", LLVM::LLVMFunctionType::get(i32, {}))};
    if (!ok)
      return failure();
    return omp;
  }
};

/// `<kernel>_worker(ctx)`: loads the kernel's operands from the context
/// struct and calls the kernel on this thread's contiguous share of the
/// panel range (its last two operands).
static LLVM::LLVMFuncOp createWorker(OpBuilder &mb, LLVM::LLVMFuncOp kernel,
                                     LLVM::LLVMStructType ctxTy,
                                     const OpenMPRuntime &omp) {
  MLIRContext *ctx = kernel.getContext();
  Location loc = kernel.getLoc();
  auto ptrTy = LLVM::LLVMPointerType::get(ctx);
  auto i64 = IntegerType::get(ctx, 64);
  auto worker = LLVM::LLVMFuncOp::create(
      mb, loc, (kernel.getName() + "_worker").str(),
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptrTy}),
      LLVM::Linkage::Internal);
  Block *entry = worker.addEntryBlock(mb);
  OpBuilder b = OpBuilder::atBlockBegin(entry);
  Value cp = entry->getArgument(0);
  SmallVector<Value> args;
  for (auto [i, t] : llvm::enumerate(ctxTy.getBody())) {
    Value field =
        LLVM::GEPOp::create(b, loc, ptrTy, ctxTy, cp,
                            ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
    args.push_back(LLVM::LoadOp::create(b, loc, t, field));
  }
  auto c64 = [&](int64_t v) -> Value {
    return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
  };
  auto callI64 = [&](LLVM::LLVMFuncOp f) -> Value {
    return LLVM::SExtOp::create(
        b, loc, i64, LLVM::CallOp::create(b, loc, f, ValueRange{}).getResult());
  };
  Value begin = args[args.size() - 2], end = args.back();
  Value tid = callI64(omp.threadNum);
  Value nt = callI64(omp.numThreads);
  // chunk = ceil((end - begin) / nt); [lo, min(lo + chunk, end)).
  Value total = LLVM::SubOp::create(b, loc, end, begin);
  Value chunk = LLVM::SDivOp::create(
      b, loc,
      LLVM::AddOp::create(b, loc, total,
                          LLVM::SubOp::create(b, loc, nt, c64(1))),
      nt);
  Value lo = LLVM::AddOp::create(b, loc, begin,
                                 LLVM::MulOp::create(b, loc, tid, chunk));
  Value hi = LLVM::AddOp::create(b, loc, lo, chunk);
  Value hiLess =
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt, hi, end);
  hi = LLVM::SelectOp::create(b, loc, hiLess, hi, end);
  args[args.size() - 2] = lo;
  args.back() = hi;
  LLVM::CallOp::create(b, loc, kernel, args);
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  return worker;
}

/// A call of the kernel -> its operands stored into a stack context, then
/// GOMP_parallel(worker, context, 0, 0).
static void replaceCall(LLVM::CallOp call, LLVM::LLVMFuncOp worker,
                        LLVM::LLVMStructType ctxTy, const OpenMPRuntime &omp) {
  MLIRContext *ctx = call.getContext();
  Location loc = call.getLoc();
  auto ptrTy = LLVM::LLVMPointerType::get(ctx);
  auto parent = call->getParentOfType<LLVM::LLVMFuncOp>();
  OpBuilder eb = OpBuilder::atBlockBegin(&parent.getBody().front());
  Value one = LLVM::ConstantOp::create(eb, loc, eb.getI64Type(),
                                       eb.getI64IntegerAttr(1));
  Value cp = LLVM::AllocaOp::create(eb, loc, ptrTy, ctxTy, one, 64);
  OpBuilder b(call);
  for (auto [i, v] : llvm::enumerate(call.getArgOperands())) {
    Value field =
        LLVM::GEPOp::create(b, loc, ptrTy, ctxTy, cp,
                            ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
    LLVM::StoreOp::create(b, loc, v, field);
  }
  Value fn = LLVM::AddressOfOp::create(b, loc, ptrTy, worker.getName());
  Value zero =
      LLVM::ConstantOp::create(b, loc, b.getI32Type(), b.getI32IntegerAttr(0));
  LLVM::CallOp::create(b, loc, omp.parallel, ValueRange{fn, cp, zero, zero});
  call.erase();
}

struct OutlineOMP : quantc::impl::QuantCX86OutlineOMPBase<OutlineOMP> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    auto i64 = IntegerType::get(ctx, 64);
    SmallVector<LLVM::LLVMFuncOp> kernels, planned;
    WalkResult r = module.walk([&](LLVM::LLVMFuncOp f) {
      Attribute attr = f->getAttr(kX86PlanAttrName);
      // Float kernels say only whether they are parallel.
      bool floatParallel = f->hasAttr(kX86ParallelAttrName);
      if (!attr && !floatParallel)
        return WalkResult::advance();
      planned.push_back(f);
      auto plan = dyn_cast_or_null<X86GemmPlanAttr>(attr);
      if (attr && !plan) {
        f.emitOpError() << "has a " << kX86PlanAttrName
                        << " that is not a #quantc.x86_gemm_plan: " << attr;
        return WalkResult::interrupt();
      }
      if (!(floatParallel || plan.getParallel()) || f.isExternal())
        return WalkResult::advance();
      ArrayRef<Type> params = f.getFunctionType().getParams();
      if (params.size() < 2 || params.back() != i64 ||
          params[params.size() - 2] != i64) {
        f.emitOpError("has a parallel plan but does not end with an i64 "
                      "panel range");
        return WalkResult::interrupt();
      }
      kernels.push_back(f);
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      return signalPassFailure();
    // The plans end here: the LLVM IR translation does not know quantc.
    for (LLVM::LLVMFuncOp f : planned) {
      f->removeAttr(kX86PlanAttrName);
      f->removeAttr(kX86ParallelAttrName);
    }
    if (kernels.empty())
      return;

    FailureOr<OpenMPRuntime> runtime = OpenMPRuntime::declare(module);
    if (failed(runtime))
      return signalPassFailure();
    OpenMPRuntime &omp = *runtime;
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    for (LLVM::LLVMFuncOp kernel : kernels) {
      auto ctxTy = LLVM::LLVMStructType::getLiteral(
          ctx, kernel.getFunctionType().getParams());
      LLVM::LLVMFuncOp worker = createWorker(mb, kernel, ctxTy, omp);
      SmallVector<LLVM::CallOp> calls;
      module.walk([&](LLVM::CallOp call) {
        if (call.getCallee() == kernel.getName() &&
            call->getParentOfType<LLVM::LLVMFuncOp>() != worker)
          calls.push_back(call);
      });
      for (LLVM::CallOp call : calls)
        replaceCall(call, worker, ctxTy, omp);
    }
  }
};

} // namespace
