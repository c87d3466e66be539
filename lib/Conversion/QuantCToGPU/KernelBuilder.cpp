//===- KernelBuilder.cpp - what both GEMM kernel builders share -----------===//
#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace quantc;

StringRef quantc::stringifyGemmOutput(GemmOutput output) {
  switch (output) {
  case GemmOutput::I32:
    return "i32";
  case GemmOutput::F32:
    return "f32";
  case GemmOutput::F16:
    return "f16";
  case GemmOutput::I8:
    return "i8";
  }
  llvm_unreachable("unknown GEMM output");
}

std::optional<GemmOutput> quantc::getGemmOutput(Type t) {
  if (t.isSignlessInteger(32))
    return GemmOutput::I32;
  if (t.isF32())
    return GemmOutput::F32;
  if (t.isF16())
    return GemmOutput::F16;
  if (t.isSignlessInteger(8))
    return GemmOutput::I8;
  return std::nullopt;
}

Type quantc::getElementType(MLIRContext *ctx, GemmOutput output) {
  switch (output) {
  case GemmOutput::I32:
    return IntegerType::get(ctx, 32);
  case GemmOutput::F32:
    return Float32Type::get(ctx);
  case GemmOutput::F16:
    return Float16Type::get(ctx);
  case GemmOutput::I8:
    return IntegerType::get(ctx, 8);
  }
  llvm_unreachable("unknown GEMM output");
}

gpu::GPUFuncOp GemmKernelBuilder::createKernel(StringRef name,
                                               TypeRange extraArgs) {
  Type i8 = s.fp8 ? Type(b.getType<Float8E4M3FNType>()) : b.getI8Type();
  Type f32 = b.getF32Type();
  Type out = getElementType(ctx, s.output);
  // A dynamic row dimension is passed as the operand's first row tile: the
  // kernels take bare pointers, which carry no sizes (upstream lowers no
  // dynamic shape through them); the body widens the view to every row.
  auto argType = [&](int64_t rows, int64_t cols, Type elem) {
    return memref({ShapedType::isDynamic(rows) ? s.tiling.tileM : rows, cols},
                  elem);
  };
  SmallVector<Type> args = {argType(s.m, s.k, i8), memref({s.n, s.k}, i8),
                            argType(s.m, s.n, out)};
  const std::optional<GemmEpilogueOperand> *epilogue[] = {
      &s.xScale, &s.wScale, &s.bias, &s.outputScale};
  for (const auto *o : epilogue)
    if (*o)
      args.push_back(argType((*o)->rows, (*o)->cols, f32));
  llvm::append_range(args, extraArgs);

  // Detached: the caller inserts it into the kernel module's symbol table.
  b.clearInsertionPoint();
  auto func = gpu::GPUFuncOp::create(b, name, b.getFunctionType(args, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(
      {static_cast<int32_t>(s.tiling.numThreads()), 1, 1}));
  entry = &func.front();
  b.setInsertionPointToStart(entry);

  argA = entry->getArgument(0);
  argB = entry->getArgument(1);
  argC = entry->getArgument(2);
  unsigned next = 3;
  Value *epilogueArgs[] = {&argXScale, &argWScale, &argBias, &argOutputScale};
  for (auto [o, arg] : llvm::zip(epilogue, epilogueArgs))
    if (*o)
      *arg = entry->getArgument(next++);
  if (!s.hasDynamicM() && !s.isBatched())
    return func;

  // Dynamic M: the launch wrapper runs one block per output tile: the grid
  // has rowTiles x (N / tileN) blocks (per batch), and the GEMM rowTiles *
  // tileM rows.
  Value rows;
  if (s.hasDynamicM()) {
    Value grid = gpu::GridDimOp::create(b, gpu::Dimension::x);
    rowTiles = div(grid, c(s.n / s.tiling.tileN));
    rows = mul(rowTiles, c(s.tiling.tileM));
  }
  // Batched: blockIdx.z is the batch; an operand with one matrix per batch is
  // viewed at its matrix `batch` (the arguments are the first matrix).
  Value batch;
  if (s.isBatched())
    batch = gpu::BlockIdOp::create(b, gpu::Dimension::z);
  auto view = [&](Value &arg, int64_t argRows, bool perBatch) {
    bool dynamicRows = ShapedType::isDynamic(argRows);
    if (!dynamicRows && !perBatch)
      return;
    auto ty = cast<MemRefType>(arg.getType());
    int64_t cols = ty.getDimSize(1);
    OpFoldResult offset = b.getIndexAttr(0);
    MemRefLayoutAttrInterface layout;
    if (perBatch) {
      Value elems =
          dynamicRows ? mul(rows, c(cols)) : c(argRows * cols); // per batch
      offset = mul(batch, elems);
      layout = StridedLayoutAttr::get(ctx, ShapedType::kDynamic, {cols, 1});
    }
    auto viewTy = MemRefType::get({argRows, cols}, ty.getElementType(), layout);
    OpFoldResult size0 =
        dynamicRows ? OpFoldResult(rows) : b.getIndexAttr(argRows);
    arg = memref::ReinterpretCastOp::create(
        b, viewTy, arg, offset, {size0, b.getIndexAttr(cols)},
        {b.getIndexAttr(cols), b.getIndexAttr(1)});
  };
  view(argA, s.m, s.isBatched());
  view(argB, s.n, s.isBatched() && s.rhsPerBatch);
  view(argC, s.m, s.isBatched());
  for (auto [o, arg] : llvm::zip(epilogue, epilogueArgs))
    if (*o)
      view(*arg, (*o)->rows, (*o)->perBatch);
  return func;
}

Value GemmKernelBuilder::c(int64_t v) {
  Value &cst = constants[v];
  if (cst)
    return cst;
  OpBuilder::InsertionGuard guard(b);
  if (lastConstant)
    b.setInsertionPointAfter(lastConstant);
  else
    b.setInsertionPointToStart(entry);
  cst = arith::ConstantIndexOp::create(b, v);
  lastConstant = cst.getDefiningOp();
  return cst;
}

Value GemmKernelBuilder::add(Value x, Value y) {
  return arith::AddIOp::create(b, x, y);
}
Value GemmKernelBuilder::addc(Value x, int64_t v) {
  return v == 0 ? x : add(x, c(v));
}
Value GemmKernelBuilder::sub(Value x, Value y) {
  return arith::SubIOp::create(b, x, y);
}
Value GemmKernelBuilder::mul(Value x, Value y) {
  return arith::MulIOp::create(b, x, y);
}
Value GemmKernelBuilder::div(Value x, Value y) {
  return arith::DivUIOp::create(b, x, y);
}
Value GemmKernelBuilder::rem(Value x, Value y) {
  return arith::RemUIOp::create(b, x, y);
}
Value GemmKernelBuilder::minu(Value x, Value y) {
  return arith::MinUIOp::create(b, x, y);
}
Value GemmKernelBuilder::lt(Value x, Value y) {
  return arith::CmpIOp::create(b, arith::CmpIPredicate::slt, x, y);
}
Value GemmKernelBuilder::select(Value cond, Value x, Value y) {
  return arith::SelectOp::create(b, cond, x, y);
}

MemRefType GemmKernelBuilder::memref(ArrayRef<int64_t> shape, Type elem) {
  return MemRefType::get(shape, elem);
}

MemRefType GemmKernelBuilder::sharedMemref(ArrayRef<int64_t> shape, Type elem) {
  auto workgroup = gpu::AddressSpaceAttr::get(
      ctx, gpu::GPUDialect::getWorkgroupAddressSpace());
  return MemRefType::get(shape, elem ? elem : b.getI8Type(),
                         MemRefLayoutAttrInterface(), workgroup);
}

Value GemmKernelBuilder::dynamicSharedMemory() {
  return gpu::DynamicSharedMemoryOp::create(
      b, sharedMemref({ShapedType::kDynamic}));
}

Value GemmKernelBuilder::asyncCopy(Value g, ValueRange gIdx, Value sm,
                                   ValueRange smIdx, Value srcElems) {
  return nvgpu::DeviceAsyncCopyOp::create(
      b, nvgpu::DeviceAsyncTokenType::get(ctx), sm, smIdx, g, gIdx,
      b.getIndexAttr(16), srcElems, b.getUnitAttr());
}

Value GemmKernelBuilder::asyncGroup(ValueRange tokens) {
  return nvgpu::DeviceAsyncCreateGroupOp::create(
      b, nvgpu::DeviceAsyncTokenType::get(ctx), tokens);
}

void GemmKernelBuilder::asyncWait(Value group, int32_t pending) {
  nvgpu::DeviceAsyncWaitOp::create(b, group, b.getI32IntegerAttr(pending));
}

std::pair<Value, Value> GemmKernelBuilder::blockOrigin(Value pid, int64_t gx) {
  constexpr int64_t kGroup = 8;
  Value pidM, pidN;
  if (!s.hasDynamicM()) {
    // Bands of 8 block-rows when they divide the block-rows, else 1.
    int64_t group = (s.m / s.tiling.tileM) % kGroup == 0 ? kGroup : 1;
    Value pidInGroup = rem(pid, c(group * gx));
    Value groupId = div(pid, c(group * gx));
    Value firstRow = mul(groupId, c(group));
    pidM = add(firstRow, rem(pidInGroup, c(group)));
    pidN = div(pidInGroup, c(group));
  } else {
    // Triton's form, valid for any number of block-rows: the last band has
    // the block-rows that are left.
    Value pidInGroup = rem(pid, c(kGroup * gx));
    Value groupId = div(pid, c(kGroup * gx));
    Value firstRow = mul(groupId, c(kGroup));
    Value bandRows = minu(sub(rowTiles, firstRow), c(kGroup));
    pidM = add(firstRow, rem(pidInGroup, bandRows));
    pidN = div(pidInGroup, bandRows);
  }
  Value m0 = mul(pidM, c(s.tiling.tileM));
  Value n0 = mul(pidN, c(s.tiling.tileN));
  return {m0, n0};
}

Value GemmKernelBuilder::loadPair(const GemmEpilogueOperand &o, Value arg,
                                  Value row, Value col) {
  // Along `dim`: read at 0 (broadcast), element by element, or one value per
  // block.
  auto index = [&](Value i, int64_t dim) {
    int64_t g = o.broadcast.blockSize[dim];
    if (g == (dim == 0 ? s.m : s.n))
      return c(0);
    if (g == 1)
      return i;
    return div(i, c(g));
  };
  auto pairTy = VectorType::get({2}, b.getF32Type());
  Value r = index(row, 0);
  int64_t colBlock = o.broadcast.blockSize[1];
  if (colBlock == 1) // col is even: one 8-byte load
    return vector::LoadOp::create(b, pairTy, arg, {r, col},
                                  /*nontemporal=*/false, llvm::MaybeAlign(8));
  if (colBlock == s.n) {
    Value v = memref::LoadOp::create(b, arg, {r, c(0)});
    return vector::BroadcastOp::create(b, pairTy, v);
  }
  Value col1 = addc(col, 1);
  Value v0 = memref::LoadOp::create(b, arg, {r, index(col, 1)});
  Value v1 = memref::LoadOp::create(b, arg, {r, index(col1, 1)});
  return vector::FromElementsOp::create(b, pairTy, ValueRange{v0, v1});
}

void GemmKernelBuilder::storePair(Value row, Value col, Value acc) {
  Type elem = getElementType(ctx, s.output);
  // col is even: the pair is aligned to its size (one st.global.v2).
  llvm::MaybeAlign align(2 * elem.getIntOrFloatBitWidth() / 8);
  if (!s.epilogue) {
    vector::StoreOp::create(b, acc, argC, {row, col}, /*nontemporal=*/false,
                            align);
    return;
  }
  // Each operand's loads are moved next to the op that first uses it, so
  // that loads and arithmetic interleave as in the hand-scheduled kernel
  // (benchmarks/gpu/ptx_compare.sh pins its PTX).
  SmallVector<std::pair<Value, SmallVector<Operation *>>, 4> reads;
  auto read = [&](const GemmEpilogueOperand &o, Value arg) {
    Block *block = b.getInsertionBlock();
    Block::iterator last = std::prev(b.getInsertionPoint());
    Value v = loadPair(o, arg, row, col);
    SmallVector<Operation *> ops;
    for (auto it = std::next(last); it != b.getInsertionPoint(); ++it)
      ops.push_back(&*it);
    assert(ops.back()->getBlock() == block && "loads in the epilogue block");
    reads.push_back({v, std::move(ops)});
    return v;
  };
  EpilogueValues v;
  v.xScale = read(*s.xScale, argXScale);
  v.wScale = read(*s.wScale, argWScale);
  if (s.bias)
    v.bias = read(*s.bias, argBias);
  if (s.outputScale)
    v.outputScale = read(*s.outputScale, argOutputScale);
  Value out = emitRescaleEpilogue(b, b.getLoc(), *s.epilogue, acc, v);
  for (auto &[value, ops] : reads) {
    Operation *firstUse =
        *llvm::min_element(value.getUsers(), [](Operation *x, Operation *y) {
          return x->isBeforeInBlock(y);
        });
    for (Operation *op : ops)
      op->moveBefore(firstUse);
  }
  vector::StoreOp::create(b, out, argC, {row, col}, /*nontemporal=*/false,
                          align);
}

std::optional<std::string> quantc::checkTiling(const GemmKernelSpec &s) {
  const GemmTiling &t = s.tiling;
  std::string why;
  llvm::raw_string_ostream os(why);
  // A dynamic M is padded to a multiple of the row tile.
  const int64_t mRem = s.hasDynamicM() || t.tileM <= 0 ? 0 : s.m % t.tileM;
  const std::string m = s.hasDynamicM() ? "?" : std::to_string(s.m);
  // Sizes come from options too: every one must be positive before any
  // division below.
  bool positive = t.tileM > 0 && t.tileN > 0 && t.tileK > 0 && t.warpM > 0 &&
                  t.warpN > 0 && t.stages > 0;
  // The first rule the tiling breaks, or null.
  const char *rule = nullptr;
  auto require = [&](bool ok, const char *what) {
    if (!ok && !rule)
      rule = what;
  };
  require(positive, "every size must be positive");
  if (t.wgmma) {
    if (positive) {
      require(t.tileM % 64 == 0, "the row tile must be a multiple of 64");
      require(mRem == 0, "M must be a multiple of the row tile");
      require(s.n % t.tileN == 0, "N must be a multiple of the column tile");
      require(t.tileK == 128, "the K tile must be 128");
      require(s.k % t.tileK == 0, "K must be a multiple of the K tile");
      require(t.tileN % 64 == 0 && t.tileN <= 256,
              "the column tile must be a multiple of 64 up to 256");
      require(t.stages >= 3, "wgmma needs at least 3 stages");
      require(s.k / t.tileK >= t.stages - 2,
              "K must span at least stages - 2 K tiles");
      require(t.numThreads() <= 1024, "at most 1024 threads per block");
    }
    if (rule)
      os << "invalid wgmma tiling " << t.tileM << "x" << t.tileN << "x"
         << t.tileK << " (" << t.stages << " stages) for the GEMM " << m << "x"
         << s.n << "x" << s.k << ": " << rule;
  } else {
    if (positive) {
      require(mRem == 0, "M must be a multiple of the row tile");
      require(s.n % t.tileN == 0, "N must be a multiple of the column tile");
      require(s.k % t.tileK == 0, "K must be a multiple of the K tile");
      require(t.tileM % t.warpM == 0 && t.tileN % t.warpN == 0,
              "the block tile must be a multiple of the warp tile");
      require(t.warpM % 16 == 0 && t.warpN % 16 == 0,
              "the warp tile must be a multiple of 16 (mma.m16n8k32)");
      require(t.tileK % 32 == 0, "the K tile must be a multiple of 32");
      require(t.stages >= 2, "at least 2 stages");
      require(s.k / t.tileK >= t.stages - 1,
              "K must span at least stages - 1 K tiles");
      require(t.numThreads() <= 1024, "at most 1024 threads per block");
      require(t.tileK < 16 || t.numThreads() % (t.tileK / 16) == 0,
              "the thread count must be a multiple of K tile / 16");
    }
    if (rule)
      os << "invalid tiling " << t.tileM << "x" << t.tileN << "x" << t.tileK
         << " (warp " << t.warpM << "x" << t.warpN << ", " << t.stages
         << " stages) for the GEMM " << m << "x" << s.n << "x" << s.k << ": "
         << rule;
  }
  if (why.empty() && t.sharedBytes() > GpuLaunchAttr::kMaxSharedBytes)
    os << "tiling needs " << t.sharedBytes() << " bytes of shared memory (max "
       << GpuLaunchAttr::kMaxSharedBytes << ")";
  if (why.empty())
    return std::nullopt;
  return why;
}
