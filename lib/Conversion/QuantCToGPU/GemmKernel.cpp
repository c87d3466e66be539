//===- GemmKernel.cpp - int8 Tensor Core GEMM kernel generator ------------===//
//
// The kernel (sm_80+, Ampere/Hopper mma.sync path):
//  - thread-block tile tileM x tileN, walked over K in tileK steps; blocks are
//    rasterised in groups of 8 block-rows so that neighbours share L2 lines;
//  - global -> shared with 16-byte `cp.async` (nvgpu.device_async_copy),
//    `stages` tiles in flight, the tail zero-filled through src-size 0 so every
//    iteration commits exactly one group;
//  - shared rows padded by 16 bytes: the 8 row addresses of an ldmatrix 8x8
//    b16 matrix then fall into distinct 16-byte bank groups;
//  - warp tile warpM x warpN: A fragments with `ldmatrix.x4` (16x32 bytes),
//    B fragments (K-major, "TN") with `ldmatrix.x4` giving two n8 fragments;
//  - `nvgpu.mma.sync` m16n8k32 s8 x s8 -> s32;
//  - the quantc.rescale epilogue fused on the accumulator registers.
//
// The text is generated rather than built op by op: it is the most direct
// way to keep a hand-scheduled kernel readable (the output of
// `--convert-quantc-to-gpu` is the kernel exactly as written here).
//
//===----------------------------------------------------------------------===//
#include "quantc/Conversion/QuantCToGPU/GemmKernel.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <map>
#include <vector>

using namespace quantc;

namespace {

/// Emits SSA text; index and f32 constants are hoisted to the entry block.
class Emitter {
public:
  std::string body;

  std::string fresh() { return "%v" + std::to_string(next++); }
  std::string op(const std::string &rhs) {
    std::string v = fresh();
    line(v + " = " + rhs);
    return v;
  }
  void line(const std::string &s) {
    body += std::string(indent, ' ') + s + "\n";
  }
  std::string c(int64_t v) {
    auto it = consts.find(v);
    if (it != consts.end())
      return it->second;
    std::string name =
        "%c" + (v < 0 ? "m" + std::to_string(-v) : std::to_string(v));
    consts[v] = name;
    return name;
  }
  std::string f(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    auto it = fconsts.find(bits);
    if (it != fconsts.end())
      return it->second;
    std::string name = "%f" + llvm::utohexstr(bits);
    fconsts[bits] = name;
    return name;
  }
  std::string constants() const {
    std::string s;
    for (auto &[v, name] : consts)
      s += "    " + name + " = arith.constant " + std::to_string(v) +
           " : index\n";
    for (auto &[bits, name] : fconsts)
      s += "    " + name + " = arith.constant 0x" + llvm::utohexstr(bits) +
           " : f32\n";
    return s;
  }

  std::string add(const std::string &a, const std::string &b) {
    return op("arith.addi " + a + ", " + b + " : index");
  }
  std::string mul(const std::string &a, const std::string &b) {
    return op("arith.muli " + a + ", " + b + " : index");
  }
  std::string div(const std::string &a, const std::string &b) {
    return op("arith.divui " + a + ", " + b + " : index");
  }
  std::string rem(const std::string &a, const std::string &b) {
    return op("arith.remui " + a + ", " + b + " : index");
  }
  std::string addc(const std::string &a, int64_t v) {
    return v == 0 ? a : add(a, c(v));
  }

  int indent = 4;

private:
  int next = 0;
  std::map<int64_t, std::string> consts;
  std::map<uint32_t, std::string> fconsts;
};

const char *kWg = "#gpu.address_space<workgroup>";

std::string memrefTy(int64_t a, int64_t b, const std::string &elt) {
  return llvm::formatv("memref<{0}x{1}x{2}>", a, b, elt).str();
}

/// An epilogue operand: kernel argument %<name> of the given shape.
struct Epi {
  std::string name;
  EpilogueOperand shape;
};

std::string outElemTy(GemmOutput o) {
  switch (o) {
  case GemmOutput::I32:
    return "i32";
  case GemmOutput::F32:
    return "f32";
  case GemmOutput::F16:
    return "f16";
  case GemmOutput::I8:
    return "i8";
  }
  return "i32";
}

} // namespace

/// Stores output elements (row, col) and (row, col + 1) from the i32 pair `v`,
/// through the fused rescale epilogue when there is one.
/// A 16-byte `cp.async` from `g[gIdx]` to shared `sm[smIdx]`; `srcElems`
/// (may be empty) zero-fills past the end of the source. Returns its token.
static std::string emitAsyncCopy(Emitter &e, const std::string &g,
                                 const std::string &gIdx,
                                 const std::string &gTy, const std::string &sm,
                                 const std::string &smIdx,
                                 const std::string &smTy,
                                 const std::string &srcElems) {
  std::string cp = "nvgpu.device_async_copy " + g + "[" + gIdx + "], " + sm +
                   "[" + smIdx + "], 16";
  if (!srcElems.empty())
    cp += ", " + srcElems;
  cp += " {bypassL1} : " + gTy + " to " + smTy;
  return e.op(cp);
}

/// Grouped rasterisation: GROUP consecutive block-rows per band of GX
/// block-columns, so that blocks running together share their A and B tiles
/// in L2. Returns the block's first row and column.
static std::pair<std::string, std::string>
emitBlockOrigin(Emitter &e, const std::string &pid, int64_t GROUP, int64_t GX,
                int64_t BM, int64_t BN) {
  std::string pidInGroup = e.rem(pid, e.c(GROUP * GX));
  std::string groupId = e.div(pid, e.c(GROUP * GX));
  std::string pidM =
      e.add(e.mul(groupId, e.c(GROUP)), e.rem(pidInGroup, e.c(GROUP)));
  std::string pidN = e.div(pidInGroup, e.c(GROUP));
  return {e.mul(pidM, e.c(BM)), e.mul(pidN, e.c(BN))};
}

/// The kernel's argument list: A, B, C, then the epilogue operands the spec
/// has (row/column scales, bias, output scale), recorded in `epi`.
static std::string kernelArgs(const GemmKernelSpec &s, const std::string &aTy,
                              const std::string &bTy, const std::string &cTy,
                              std::vector<Epi> &epi) {
  std::string args = "%A: " + aTy + ", %B: " + bTy + ", %C: " + cTy;
  auto addEpi = [&](const char *name, const std::optional<EpilogueOperand> &o) {
    if (!o)
      return;
    epi.push_back({name, *o});
    args +=
        ", %" + std::string(name) + ": " + memrefTy(o->rows, o->cols, "f32");
  };
  addEpi("XS", s.xScale);
  addEpi("WS", s.wScale);
  addEpi("BIAS", s.bias);
  addEpi("OS", s.outputScale);
  return args;
}

static void emitStorePair(Emitter &e, const GemmKernelSpec &s,
                          const std::vector<Epi> &epi, const std::string &row,
                          const std::string &col, const std::string &v) {
  const std::string outElt = outElemTy(s.output);
  const std::string cTy = memrefTy(s.m, s.n, outElt);
  // A broadcast index: size-1 dims read 0, blocks divide.
  auto bIdx = [&](const std::string &i, int64_t dim, int64_t full) {
    if (dim == 1)
      return e.c(0);
    if (dim == full)
      return i;
    return e.div(i, e.c(full / dim));
  };
  // The epilogue operand for output elements (row, col) and (row, col + 1).
  auto loadPair = [&](const Epi &o, const std::string &row,
                      const std::string &col) {
    std::string ty = memrefTy(o.shape.rows, o.shape.cols, "f32");
    std::string r = bIdx(row, o.shape.rows, s.m);
    if (o.shape.cols == s.n)
      return e.op("vector.load %" + o.name + "[" + r + ", " + col +
                  "] {alignment = 8 : i64} : " + ty + ", vector<2xf32>");
    if (o.shape.cols == 1) {
      std::string v = e.op("memref.load %" + o.name + "[" + r + ", " + e.c(0) +
                           "] : " + ty);
      return e.op("vector.broadcast " + v + " : f32 to vector<2xf32>");
    }
    std::string c1 = e.addc(col, 1);
    std::string v0 = e.op("memref.load %" + o.name + "[" + r + ", " +
                          bIdx(col, o.shape.cols, s.n) + "] : " + ty);
    std::string v1 = e.op("memref.load %" + o.name + "[" + r + ", " +
                          bIdx(c1, o.shape.cols, s.n) + "] : " + ty);
    return e.op("vector.from_elements " + v0 + ", " + v1 + " : vector<2xf32>");
  };
  auto find = [&](const char *name) -> const Epi * {
    for (const Epi &o : epi)
      if (o.name == name)
        return &o;
    return nullptr;
  };
  auto splat = [&](float v) {
    return e.op("vector.broadcast " + e.f(v) + " : f32 to vector<2xf32>");
  };
  const std::string v2f = "vector<2xf32>";
  if (s.output == GemmOutput::I32) {
    // col is even: the pair is 8-byte aligned (one st.global.v2).
    e.line("vector.store " + v + ", %C[" + row + ", " + col +
           "] {alignment = 8 : i64} : " + cTy + ", vector<2xi32>");
    return;
  }
  // ((f32(acc) * xs) * ws) + bias, activation, requantize: the order of
  // --convert-quantc-to-linalg, so results match it bit for bit.
  std::string f = e.op("arith.sitofp " + v + " : vector<2xi32> to " + v2f);
  f = e.op("arith.mulf " + f + ", " + loadPair(*find("XS"), row, col) + " : " +
           v2f);
  f = e.op("arith.mulf " + f + ", " + loadPair(*find("WS"), row, col) + " : " +
           v2f);
  if (const Epi *b = find("BIAS"))
    f = e.op("arith.addf " + f + ", " + loadPair(*b, row, col) + " : " + v2f);
  if (s.activation == 1) {
    f = e.op("arith.maximumf " + f + ", " + splat(0.0f) + " : " + v2f);
  } else if (s.activation == 2) {
    std::string x = e.op("arith.mulf " + f + ", " +
                         splat(0.70710678118654752f) + " : " + v2f);
    std::string er = e.op("math.erf " + x + " : " + v2f);
    std::string one =
        e.op("arith.addf " + er + ", " + splat(1.0f) + " : " + v2f);
    std::string h = e.op("arith.mulf " + f + ", " + splat(0.5f) + " : " + v2f);
    f = e.op("arith.mulf " + h + ", " + one + " : " + v2f);
  }
  std::string out;
  if (s.output == GemmOutput::I8) {
    std::string q = e.op("arith.divf " + f + ", " +
                         loadPair(*find("OS"), row, col) + " : " + v2f);
    q = e.op("math.roundeven " + q + " : " + v2f);
    std::string z = splat(0.0f);
    std::string nan = e.op("arith.cmpf uno, " + q + ", " + q + " : " + v2f);
    q = e.op("arith.select " + nan + ", " + z + ", " + q + " : vector<2xi1>, " +
             v2f);
    q = e.op("arith.maxnumf " + q + ", " + splat(float(s.qmin)) + " : " + v2f);
    q = e.op("arith.minnumf " + q + ", " + splat(float(s.qmax)) + " : " + v2f);
    out = e.op("arith.fptosi " + q + " : " + v2f + " to vector<2xi8>");
  } else if (s.output == GemmOutput::F16) {
    out = e.op("arith.truncf " + f + " : " + v2f + " to vector<2xf16>");
  } else {
    out = f;
  }
  int64_t align = s.output == GemmOutput::I8    ? 2
                  : s.output == GemmOutput::F16 ? 4
                                                : 8;
  e.line("vector.store " + out + ", %C[" + row + ", " + col +
         "] {alignment = " + std::to_string(align) + " : i64} : " + cTy +
         ", vector<2x" + outElt + ">");
}

std::optional<std::string> quantc::chooseTiling(GemmKernelSpec &s) {
  if (s.k % 32 != 0)
    return "the reduction dimension (" + std::to_string(s.k) +
           ") must be a multiple of 32 (the int8 MMA K)";
  if (s.m % 16 != 0)
    return "the row dimension (" + std::to_string(s.m) +
           ") must be a multiple of 16 (the MMA M)";
  if (s.n % 16 != 0)
    return "the column dimension (" + std::to_string(s.n) +
           ") must be a multiple of 16";
  GemmTiling &t = s.tiling;
  // 128-byte K tiles: four MMA k-steps per barrier (measured on H100: 10-20%
  // faster than 64 at 4096^3 and 8192^3).
  t.tileK = s.k % 128 == 0 ? 128 : s.k % 64 == 0 ? 64 : 32;
  // Largest power-of-two tile that divides the shape.
  auto pick = [](int64_t dim, int64_t maxTile) {
    int64_t tile = maxTile;
    while (tile > 16 && dim % tile != 0)
      tile /= 2;
    return tile;
  };
  t.tileM = pick(s.m, 128);
  t.tileN = pick(s.n, 256);
  // Too few blocks to fill the machine: shrink the N tile (skinny GEMMs).
  while (t.tileN > 32 && (s.m / t.tileM) * (s.n / t.tileN) < 132)
    t.tileN /= 2;
  t.warpM = std::min<int64_t>(64, t.tileM);
  t.warpN = std::min<int64_t>(64, t.tileN);
  // At least 4 warps when the tile allows it.
  while (t.numThreads() < 128 && t.warpN > 16)
    t.warpN /= 2;
  while (t.numThreads() < 128 && t.warpM > 16)
    t.warpM /= 2;
  t.stages = t.tileK == 128 ? 3 : 4;
  int64_t kTiles = s.k / t.tileK;
  if (t.stages > kTiles + 1)
    t.stages = std::max<int64_t>(2, kTiles + 1);
  return std::nullopt;
}

std::string quantc::generateMmaSyncKernel(const GemmKernelSpec &s) {
  const GemmTiling &t = s.tiling;
  const int64_t BM = t.tileM, BN = t.tileN, BK = t.tileK, S = t.stages;
  const int64_t LD = BK + 16;
  const int64_t T = t.numThreads();
  const int64_t WARPS_N = BN / t.warpN;
  const int64_t MT = t.warpM / 16, NT = t.warpN / 8;
  const int64_t KT = s.k / BK;
  const int64_t CPR = BK / 16; // 16-byte chunks per tile row
  const int64_t GX = s.n / BN, GY = s.m / BM;
  const int64_t GROUP = GY % 8 == 0 ? 8 : 1;
  const std::string outElt = outElemTy(s.output);
  const std::string aTy = memrefTy(s.m, s.k, "i8");
  const std::string bTy = memrefTy(s.n, s.k, "i8");
  const std::string cTy = memrefTy(s.m, s.n, outElt);
  const std::string sATy =
      llvm::formatv("memref<{0}x{1}x{2}xi8, {3}>", S, BM, LD, kWg).str();
  const std::string sBTy =
      llvm::formatv("memref<{0}x{1}x{2}xi8, {3}>", S, BN, LD, kWg).str();
  const std::string accTy = "vector<2x2xi32>";

  Emitter e;
  // Arguments.
  std::vector<Epi> epi;
  std::string args = kernelArgs(s, aTy, bTy, cTy, epi);

  std::string tid = e.op("gpu.thread_id x");
  std::string pid = e.op("gpu.block_id x");
  std::string lane = e.rem(tid, e.c(32));
  std::string warp = e.div(tid, e.c(32));
  std::string wm = e.div(warp, e.c(WARPS_N));
  std::string wn = e.rem(warp, e.c(WARPS_N));
  auto [m0, n0] = emitBlockOrigin(e, pid, GROUP, GX, BM, BN);
  std::string smem = e.op(
      std::string("gpu.dynamic_shared_memory : memref<?xi8, ") + kWg + ">");
  std::string sA = e.op("memref.view " + smem + "[" + e.c(0) +
                        "][] : memref<?xi8, " + kWg + "> to " + sATy);
  std::string sB = e.op("memref.view " + smem + "[" + e.c(S * BM * LD) +
                        "][] : memref<?xi8, " + kWg + "> to " + sBTy);

  // Per-thread copy coordinates: row tid / CPR (+ i * T / CPR), byte column
  // (tid % CPR) * 16.
  std::string cpRow = e.div(tid, e.c(CPR));
  std::string cpCol = e.mul(e.rem(tid, e.c(CPR)), e.c(16));
  auto loadTile = [&](const std::string &stage, const std::string &kt,
                      const std::string &srcElems) {
    std::vector<std::string> tokens;
    std::string gcol = e.add(e.mul(kt, e.c(BK)), cpCol);
    auto copy = [&](const std::string &g, const std::string &gTy,
                    const std::string &sm, const std::string &smTy,
                    const std::string &base, int64_t rows) {
      for (int64_t i = 0; i * T < rows * CPR; ++i) {
        std::string srow = e.addc(cpRow, i * (T / CPR));
        // A tile with fewer chunks than threads: the surplus threads repeat
        // the last row's copy (same bytes to the same place).
        if ((i + 1) * T > rows * CPR)
          srow =
              e.op("arith.minui " + srow + ", " + e.c(rows - 1) + " : index");
        std::string grow = e.add(base, srow);
        tokens.push_back(emitAsyncCopy(e, g, grow + ", " + gcol, gTy, sm,
                                       stage + ", " + srow + ", " + cpCol, smTy,
                                       srcElems));
      }
    };
    copy("%A", aTy, sA, sATy, m0, BM);
    copy("%B", bTy, sB, sBTy, n0, BN);
    return e.op("nvgpu.device_async_create_group " + llvm::join(tokens, ", "));
  };

  // Prologue: stages - 1 tiles in flight.
  // The wait ops only need some group token; the group count is what counts.
  std::string group;
  for (int64_t st = 0; st < S - 1; ++st)
    group = loadTile(e.c(st), e.c(st), "");

  // Fragment base coordinates (see the ldmatrix/mma fragment layouts).
  std::string lane16 = e.rem(lane, e.c(16));
  std::string aRow = e.add(e.mul(wm, e.c(t.warpM)), lane16);
  std::string aCol = e.mul(e.div(lane, e.c(16)), e.c(16));
  std::string bRow =
      e.add(e.add(e.mul(wn, e.c(t.warpN)), e.mul(e.div(lane, e.c(16)), e.c(8))),
            e.rem(lane, e.c(8)));
  std::string bCol = e.mul(e.rem(e.div(lane, e.c(8)), e.c(2)), e.c(16));

  const int64_t KK = BK / 32; // MMA k-steps per shared-memory stage
  // Fragments of k-step `kk` of stage `stage`: MT A fragments and NT/2 raw
  // ldmatrix.x4 B results (each holds two n8 fragments).
  auto loadFrags = [&](const std::string &stage, int64_t kk) {
    std::vector<std::string> f;
    std::string ac = e.addc(aCol, kk * 32);
    std::string bc = e.addc(bCol, kk * 32);
    for (int64_t mi = 0; mi < MT; ++mi)
      f.push_back(e.op("nvgpu.ldmatrix " + sA + "[" + stage + ", " +
                       e.addc(aRow, mi * 16) + ", " + ac +
                       "] {numTiles = 4 : i32, transpose = false} : " + sATy +
                       " -> vector<4x4xi8>"));
    for (int64_t nj = 0; nj < NT / 2; ++nj)
      f.push_back(e.op("nvgpu.ldmatrix " + sB + "[" + stage + ", " +
                       e.addc(bRow, nj * 16) + ", " + bc +
                       "] {numTiles = 4 : i32, transpose = false} : " + sBTy +
                       " -> vector<4x4xi8>"));
    return f;
  };
  auto mmas = [&](const std::vector<std::string> &f,
                  std::vector<std::string> &acc) {
    std::vector<std::string> bF;
    for (int64_t nj = 0; nj < NT / 2; ++nj)
      for (int h = 0; h < 2; ++h) {
        const std::string &b4 = f[MT + nj];
        std::string r0 =
            e.op("vector.extract " + b4 + "[" + std::to_string(2 * h) +
                 "] : vector<4xi8> from vector<4x4xi8>");
        std::string r1 =
            e.op("vector.extract " + b4 + "[" + std::to_string(2 * h + 1) +
                 "] : vector<4xi8> from vector<4x4xi8>");
        std::string p = e.op("ub.poison : vector<2x4xi8>");
        std::string f0 = e.op("vector.insert " + r0 + ", " + p +
                              " [0] : vector<4xi8> into vector<2x4xi8>");
        bF.push_back(e.op("vector.insert " + r1 + ", " + f0 +
                          " [1] : vector<4xi8> into vector<2x4xi8>"));
      }
    for (int64_t mi = 0; mi < MT; ++mi)
      for (int64_t ni = 0; ni < NT; ++ni) {
        std::string &a = acc[mi * NT + ni];
        a = e.op("nvgpu.mma.sync(" + f[mi] + ", " + bF[ni] + ", " + a +
                 ") {mmaShape = [16, 8, 32]} : (vector<4x4xi8>, "
                 "vector<2x4xi8>, vector<2x2xi32>) -> vector<2x2xi32>");
      }
  };
  auto waitAndSync = [&] {
    e.line("nvgpu.device_async_wait " + group +
           " {numGroups = " + std::to_string(S - 2) + " : i32}");
    e.line("gpu.barrier");
  };
  auto refill = [&] {
    std::string nk = e.add("%kt", e.c(S - 1));
    std::string valid =
        e.op("arith.cmpi slt, " + nk + ", " + e.c(KT) + " : index");
    std::string nkc =
        e.op("arith.minui " + nk + ", " + e.c(KT - 1) + " : index");
    std::string ns = e.rem(nk, e.c(S));
    std::string se = e.op("arith.select " + valid + ", " + e.c(16) + ", " +
                          e.c(0) + " : index");
    loadTile(ns, nkc, se);
  };

  // With two or more k-steps per stage the fragments are double-buffered in
  // registers (CUTLASS's multistage schedule): the wait and barrier for the
  // next stage sit before the last k-step, whose MMAs overlap the ldmatrix of
  // the next stage's first k-step; that fragment is carried across
  // iterations. With one k-step, the plain schedule.
  const bool prefetch = KK >= 2;
  std::string zero = e.op("arith.constant dense<0> : " + accTy);
  std::vector<std::string> accIn, carryTys, init;
  std::string iterArgs;
  for (int64_t i = 0; i < MT * NT; ++i) {
    accIn.push_back("%acc" + std::to_string(i));
    carryTys.push_back(accTy);
    init.push_back(zero);
  }
  std::vector<std::string> fragIn;
  if (prefetch) {
    waitAndSync();
    std::vector<std::string> f0 = loadFrags(e.c(0), 0);
    for (size_t i = 0; i < f0.size(); ++i) {
      fragIn.push_back("%frag" + std::to_string(i));
      carryTys.push_back("vector<4x4xi8>");
      init.push_back(f0[i]);
    }
  }
  std::vector<std::string> names = accIn;
  names.insert(names.end(), fragIn.begin(), fragIn.end());
  for (size_t i = 0; i < names.size(); ++i)
    iterArgs += (i ? ", " : "") + names[i] + " = " + init[i];
  std::string loop = e.fresh();
  e.line(loop + ":" + std::to_string(names.size()) + " = scf.for %kt = " +
         e.c(0) + " to " + e.c(KT) + " step " + e.c(1) + " iter_args(" +
         iterArgs + ") -> (" + llvm::join(carryTys, ", ") + ") {");
  e.indent += 2;
  std::vector<std::string> acc = accIn;
  std::string st = e.rem("%kt", e.c(S));
  std::vector<std::string> yieldFrags;
  if (!prefetch) {
    waitAndSync();
    refill();
    for (int64_t kk = 0; kk < KK; ++kk)
      mmas(loadFrags(st, kk), acc);
  } else {
    std::string nst = e.rem(e.addc("%kt", 1), e.c(S));
    std::vector<std::string> cur = fragIn;
    for (int64_t kk = 0; kk < KK; ++kk) {
      std::vector<std::string> next =
          kk + 1 < KK ? loadFrags(st, kk + 1) : loadFrags(nst, 0);
      if (kk == 0)
        refill();
      mmas(cur, acc);
      if (kk == KK - 2)
        waitAndSync();
      cur = next;
    }
    yieldFrags = cur;
  }
  std::vector<std::string> yields = acc;
  yields.insert(yields.end(), yieldFrags.begin(), yieldFrags.end());
  e.line("scf.yield " + llvm::join(yields, ", ") + " : " +
         llvm::join(carryTys, ", "));
  e.indent -= 2;
  e.line("}");
  e.line("nvgpu.device_async_wait " + group + " {numGroups = 0 : i32}");

  // Epilogue. Accumulator fragment (r, c): row lane/4 + 8r, column
  // (lane%4)*2 + c of the 16x8 tile.
  std::string rowBase =
      e.add(e.add(m0, e.mul(wm, e.c(t.warpM))), e.div(lane, e.c(4)));
  std::string colBase = e.add(e.add(n0, e.mul(wn, e.c(t.warpN))),
                              e.mul(e.rem(lane, e.c(4)), e.c(2)));
  for (int64_t mi = 0; mi < MT; ++mi)
    for (int64_t ni = 0; ni < NT; ++ni)
      for (int r = 0; r < 2; ++r) {
        std::string row = e.addc(rowBase, mi * 16 + r * 8);
        std::string col = e.addc(colBase, ni * 8);
        std::string v = e.op(
            "vector.extract " + loop + "#" + std::to_string(mi * NT + ni) +
            "[" + std::to_string(r) + "] : vector<2xi32> from vector<2x2xi32>");
        emitStorePair(e, s, epi, row, col, v);
      }
  e.line("gpu.return");

  std::string text;
  llvm::raw_string_ostream os(text);
  os << "  gpu.func @" << s.name << "(" << args
     << ") kernel attributes {known_block_size = array<i32: " << T
     << ", 1, 1>} {\n"
     << e.constants() << e.body << "  }\n";
  return text;
}

std::optional<std::string> quantc::chooseWgmmaTiling(GemmKernelSpec &s) {
  GemmTiling &t = s.tiling;
  if (s.m % 128 != 0)
    return std::string("M is not a multiple of 128");
  if (s.k % 128 != 0)
    return std::string("K is not a multiple of 128");
  t.wgmma = true;
  t.tileM = 128;
  t.tileK = 128;
  t.tileN = s.n % 256 == 0   ? 256
            : s.n % 128 == 0 ? 128
            : s.n % 64 == 0  ? 64
                             : 0;
  if (!t.tileN)
    return std::string("N is not a multiple of 64");
  // Too few blocks to fill the machine: narrower N tiles.
  while (t.tileN > 64 && (s.m / t.tileM) * (s.n / t.tileN) < 132 &&
         s.n % (t.tileN / 2) == 0)
    t.tileN /= 2;
  t.warpM = 64;
  t.warpN = t.tileN;
  t.stages = 4;
  if (s.k / t.tileK < t.stages - 2)
    t.stages = std::max<int64_t>(3, s.k / t.tileK + 2);
  return std::nullopt;
}

std::string quantc::generateWgmmaKernel(const GemmKernelSpec &s) {
  const GemmTiling &t = s.tiling;
  const int64_t BM = t.tileM, BN = t.tileN, BK = t.tileK, S = t.stages;
  const int64_t T = t.numThreads();
  const int64_t KT = s.k / BK;
  const int64_t CPR = BK / 16;
  const int64_t GX = s.n / BN, GY = s.m / BM;
  const int64_t GROUP = GY % 8 == 0 ? 8 : 1;
  // K-major, 128-byte swizzle: a tile row is the 128 bytes of its K slice;
  // 16-byte chunk c of row r sits at chunk c ^ (r % 8) (so wgmma's and
  // cp.async's accesses spread over all banks); 8-row atoms of 1024 bytes,
  // SBO = 1024 apart; LBO is unused (1).
  const int64_t SBO = 1024;
  const std::string outElt = outElemTy(s.output);
  const std::string aTy = memrefTy(s.m, s.k, "i8");
  const std::string bTy = memrefTy(s.n, s.k, "i8");
  const std::string cTy = memrefTy(s.m, s.n, outElt);
  const std::string sATy =
      llvm::formatv("memref<{0}x{1}xi8, {2}>", S, BM * BK, kWg).str();
  const std::string sBTy =
      llvm::formatv("memref<{0}x{1}xi8, {2}>", S, BN * BK, kWg).str();
  std::string accTy = "!llvm.struct<(";
  for (int64_t i = 0; i < BN / 2; ++i)
    accTy += i ? ", i32" : "i32";
  accTy += ")>";

  Emitter e;
  std::vector<Epi> epi;
  std::string args = kernelArgs(s, aTy, bTy, cTy, epi);
  const bool tma = t.tma;
  if (tma)
    args += ", %TA: !llvm.ptr, %TB: !llvm.ptr";

  std::string tid = e.op("gpu.thread_id x");
  std::string pid = e.op("gpu.block_id x");
  std::string lane = e.rem(tid, e.c(32));
  std::string warp = e.div(tid, e.c(32));
  std::string wg = e.div(warp, e.c(4));
  std::string w4 = e.rem(warp, e.c(4));
  auto [m0, n0] = emitBlockOrigin(e, pid, GROUP, GX, BM, BN);
  std::string smem = e.op(
      std::string("gpu.dynamic_shared_memory : memref<?xi8, ") + kWg + ">");
  // Swizzle atoms must be 1024-byte aligned: skip to the next boundary (the
  // launch asks for 1024 spare bytes).
  std::string raw = e.op("memref.extract_aligned_pointer_as_index " + smem +
                         " : memref<?xi8, " + kWg + "> -> index");
  std::string pad = e.rem(e.op("arith.subi " + e.c(1024) + ", " +
                               e.rem(raw, e.c(1024)) + " : index"),
                          e.c(1024));
  std::string sA = e.op("memref.view " + smem + "[" + pad +
                        "][] : memref<?xi8, " + kWg + "> to " + sATy);
  std::string sB = e.op("memref.view " + smem + "[" + e.addc(pad, S * BM * BK) +
                        "][] : memref<?xi8, " + kWg + "> to " + sBTy);

  // Chunk (row, kc) of a tile: global [row][kc*16 .. +16] (8 threads read a
  // 128-byte row), shared row*128 + (kc ^ row%8)*16 (a warp fills 512
  // contiguous bytes: no bank conflicts).
  std::string cpRow = e.div(tid, e.c(CPR));
  std::string kc = e.rem(tid, e.c(CPR));
  std::string gcolOff = e.mul(kc, e.c(16));
  std::string swz =
      e.mul(e.op("arith.xori " + kc + ", " + e.rem(cpRow, e.c(8)) + " : index"),
            e.c(16));
  std::string sOff0 = e.add(e.mul(cpRow, e.c(BK)), swz);
  auto loadTile = [&](const std::string &stage, const std::string &kt,
                      const std::string &srcElems) {
    std::vector<std::string> tokens;
    std::string gcol = e.add(e.mul(kt, e.c(BK)), gcolOff);
    auto copy = [&](const std::string &g, const std::string &gTy,
                    const std::string &sm, const std::string &smTy,
                    const std::string &base, int64_t rows) {
      for (int64_t i = 0; i * T < rows * CPR; ++i) {
        int64_t rowStep = i * (T / CPR); // a multiple of 8: same swizzle
        std::string grow = e.add(base, e.addc(cpRow, rowStep));
        std::string soff = e.addc(sOff0, rowStep * BK);
        tokens.push_back(emitAsyncCopy(e, g, grow + ", " + gcol, gTy, sm,
                                       stage + ", " + soff, smTy, srcElems));
      }
    };
    copy("%A", aTy, sA, sATy, m0, BM);
    copy("%B", bTy, sB, sBTy, n0, BN);
    return e.op("nvgpu.device_async_create_group " + llvm::join(tokens, ", "));
  };
  // TMA: one mbarrier per stage; thread 0 arms it with the stage's byte
  // count and issues the two tensor copies (A: BM x 128 bytes at (k, m0), B:
  // BN x 128 at (k, n0); coordinates innermost first).
  const std::string mbTy =
      "!nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>, "
      "num_barriers = " +
      std::to_string(S) + ">";
  auto descTy = [&](int64_t rows) {
    return "!nvgpu.tensormap.descriptor<tensor = memref<" +
           std::to_string(rows) + "x" + std::to_string(BK) +
           "xi8, 3>, swizzle = swizzle_128b, l2promo = none, oob = zero, "
           "interleave = none>";
  };
  std::string mb, ta, tb, isT0;
  auto tmaIssue = [&](const std::string &stage, const std::string &kt) {
    e.line("nvgpu.mbarrier.arrive.expect_tx " + mb + "[" + stage + "], " +
           e.c((BM + BN) * BK) + " : " + mbTy);
    std::string kx = e.mul(kt, e.c(BK));
    std::string offA = e.add(pad, e.mul(stage, e.c(BM * BK)));
    std::string offB =
        e.add(e.addc(pad, S * BM * BK), e.mul(stage, e.c(BN * BK)));
    std::string dstATy = llvm::formatv("memref<{0}x{1}xi8, 3>", BM, BK).str();
    std::string dstBTy = llvm::formatv("memref<{0}x{1}xi8, 3>", BN, BK).str();
    std::string vA =
        e.op("memref.view " + smem + "[" + offA + "][] : memref<?xi8, " + kWg +
             "> to memref<" + std::to_string(BM) + "x" + std::to_string(BK) +
             "xi8, " + kWg + ">");
    std::string vB =
        e.op("memref.view " + smem + "[" + offB + "][] : memref<?xi8, " + kWg +
             "> to memref<" + std::to_string(BN) + "x" + std::to_string(BK) +
             "xi8, " + kWg + ">");
    std::string cA = e.op("memref.memory_space_cast " + vA + " : memref<" +
                          std::to_string(BM) + "x" + std::to_string(BK) +
                          "xi8, " + kWg + "> to " + dstATy);
    std::string cB = e.op("memref.memory_space_cast " + vB + " : memref<" +
                          std::to_string(BN) + "x" + std::to_string(BK) +
                          "xi8, " + kWg + "> to " + dstBTy);
    e.line("nvgpu.tma.async.load " + ta + "[" + kx + ", " + m0 + "], " + mb +
           "[" + stage + "] to " + cA + " : " + descTy(BM) + ", " + mbTy +
           " -> " + dstATy);
    e.line("nvgpu.tma.async.load " + tb + "[" + kx + ", " + n0 + "], " + mb +
           "[" + stage + "] to " + cB + " : " + descTy(BN) + ", " + mbTy +
           " -> " + dstBTy);
  };
  std::string group;
  if (tma) {
    ta = e.op("builtin.unrealized_conversion_cast %TA : !llvm.ptr to " +
              descTy(BM));
    tb = e.op("builtin.unrealized_conversion_cast %TB : !llvm.ptr to " +
              descTy(BN));
    mb = e.op("nvgpu.mbarrier.create -> " + mbTy);
    isT0 = e.op("arith.cmpi eq, " + tid + ", " + e.c(0) + " : index");
    e.line("scf.if " + isT0 + " {");
    e.indent += 2;
    for (int64_t st = 0; st < S; ++st)
      e.line("nvgpu.mbarrier.init " + mb + "[" + e.c(st) + "], " + e.c(1) +
             " : " + mbTy);
    e.line("nvgpu.tma.prefetch.descriptor " + ta + " : " + descTy(BM));
    e.line("nvgpu.tma.prefetch.descriptor " + tb + " : " + descTy(BN));
    e.indent -= 2;
    e.line("}");
    e.line("gpu.barrier");
    e.line("scf.if " + isT0 + " {");
    e.indent += 2;
    for (int64_t st = 0; st < S - 1 && st < KT; ++st)
      tmaIssue(e.c(st), e.c(st));
    e.indent -= 2;
    e.line("}");
  } else {
    for (int64_t st = 0; st < S - 2; ++st)
      group = loadTile(e.c(st), e.c(st), "");
  }

  // Shared-memory matrix descriptors: address bits [17:4] in 0-13, LBO >> 4
  // in 16-29, SBO >> 4 in 32-45, swizzle mode in 62-63 (1: 128 bytes).
  std::string baseA = e.op("memref.extract_aligned_pointer_as_index " + sA +
                           " : " + sATy + " -> index");
  std::string baseB = e.op("memref.extract_aligned_pointer_as_index " + sB +
                           " : " + sBTy + " -> index");
  std::string descHi =
      e.op("arith.constant " +
           std::to_string((int64_t(1) << 16) | ((SBO >> 4) << 32) |
                          (int64_t(1) << 62)) +
           " : i64");
  std::string mask = e.op("arith.constant 262143 : i64");
  std::string four = e.op("arith.constant 4 : i64");
  auto desc = [&](const std::string &addr) {
    std::string a = e.op("arith.index_cast " + addr + " : index to i64");
    a = e.op("arith.andi " + a + ", " + mask + " : i64");
    a = e.op("arith.shrui " + a + ", " + four + " : i64");
    return e.op("arith.ori " + a + ", " + descHi + " : i64");
  };
  std::string aWg = e.add(baseA, e.mul(wg, e.c(64 * BK)));

  std::string zero = e.op("llvm.mlir.zero : " + accTy);
  std::string loop = e.fresh();
  e.line(loop + " = scf.for %kt = " + e.c(0) + " to " + e.c(KT) + " step " +
         e.c(1) + " iter_args(%acc = " + zero + ") -> (" + accTy + ") {");
  e.indent += 2;
  if (tma) {
    // Tile kt is stage kt % S's (kt / S)-th use: wait for that phase.
    std::string st0 = e.rem("%kt", e.c(S));
    std::string par =
        e.op("arith.index_cast " + e.rem(e.div("%kt", e.c(S)), e.c(2)) +
             " : index to i1");
    e.line("nvgpu.mbarrier.try_wait.parity " + mb + "[" + st0 + "], " + par +
           ", " + e.c(10000000) + " : " + mbTy);
  } else {
    e.line("nvgpu.device_async_wait " + group +
           " {numGroups = " + std::to_string(S - 3) + " : i32}");
    // cp.async writes through the generic proxy; wgmma reads through the async
    // proxy.
    e.line("nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = "
           "#nvvm.shared_space<cta>}");
    e.line("gpu.barrier");
  }
  if (!tma) {
    // Stage (kt - 2) % S: every warpgroup finished reading it (wait_group 1
    // at the end of iteration kt - 1, then the barrier above).
    std::string nk = e.add("%kt", e.c(S - 2));
    std::string valid =
        e.op("arith.cmpi slt, " + nk + ", " + e.c(KT) + " : index");
    std::string nkc =
        e.op("arith.minui " + nk + ", " + e.c(KT - 1) + " : index");
    std::string ns = e.rem(nk, e.c(S));
    std::string se = e.op("arith.select " + valid + ", " + e.c(16) + ", " +
                          e.c(0) + " : index");
    loadTile(ns, nkc, se);
  }
  std::string st = e.rem("%kt", e.c(S));
  std::string aSt = e.add(aWg, e.mul(st, e.c(BM * BK)));
  std::string bSt = e.add(baseB, e.mul(st, e.c(BN * BK)));
  e.line("nvvm.wgmma.fence.aligned");
  std::string acc = "%acc";
  for (int64_t kk = 0; kk < BK / 32; ++kk) {
    // Along K inside a swizzle atom: advance the (unswizzled) start address.
    std::string dA = desc(e.addc(aSt, kk * 32));
    std::string dB = desc(e.addc(bSt, kk * 32));
    acc = e.op("nvvm.wgmma.mma_async " + dA + ", " + dB + ", " + acc +
               ", #nvvm.shape<m = 64, n = " + std::to_string(BN) +
               ", k = 32>, D [<s32>, <one>, <satfinite>], A [<s8>, <one>, "
               "<row>], B [<s8>, <one>, <col>] : " +
               accTy + " -> " + accTy);
  }
  e.line("nvvm.wgmma.commit.group.sync.aligned");
  e.line("nvvm.wgmma.wait.group.sync.aligned 1");
  if (tma) {
    // Every warpgroup is done with tile kt - 1 (wait_group 1): refill its
    // stage with tile kt + S - 1.
    e.line("gpu.barrier");
    std::string nk = e.add("%kt", e.c(S - 1));
    std::string valid =
        e.op("arith.cmpi slt, " + nk + ", " + e.c(KT) + " : index");
    std::string go = e.op("arith.andi " + isT0 + ", " + valid + " : i1");
    e.line("scf.if " + go + " {");
    e.indent += 2;
    tmaIssue(e.rem(nk, e.c(S)), nk);
    e.indent -= 2;
    e.line("}");
  }
  e.line("scf.yield " + acc + " : " + accTy);
  e.indent -= 2;
  e.line("}");
  e.line("nvvm.wgmma.wait.group.sync.aligned 0");
  if (!tma)
    e.line("nvgpu.device_async_wait " + group + " {numGroups = 0 : i32}");

  // Accumulator layout of wgmma m64nN: warp w of the warpgroup holds rows
  // 16w + lane/4 (+ 8); for each 8-column chunk j, registers 4j..4j+3 are
  // (r, c), (r, c + 1), (r + 8, c), (r + 8, c + 1) with c = 8j + 2 (lane % 4).
  std::string rowBase =
      e.add(e.add(m0, e.add(e.mul(wg, e.c(64)), e.mul(w4, e.c(16)))),
            e.div(lane, e.c(4)));
  std::string colBase = e.add(n0, e.mul(e.rem(lane, e.c(4)), e.c(2)));
  for (int64_t j = 0; j < BN / 8; ++j)
    for (int r = 0; r < 2; ++r) {
      std::string v0 = e.op("llvm.extractvalue " + loop + "[" +
                            std::to_string(4 * j + 2 * r) + "] : " + accTy);
      std::string v1 = e.op("llvm.extractvalue " + loop + "[" +
                            std::to_string(4 * j + 2 * r + 1) + "] : " + accTy);
      std::string v =
          e.op("vector.from_elements " + v0 + ", " + v1 + " : vector<2xi32>");
      emitStorePair(e, s, epi, e.addc(rowBase, 8 * r), e.addc(colBase, 8 * j),
                    v);
    }
  e.line("gpu.return");

  std::string text;
  llvm::raw_string_ostream os(text);
  os << "  gpu.func @" << s.name << "(" << args
     << ") kernel attributes {known_block_size = array<i32: " << T
     << ", 1, 1>} {\n"
     << e.constants() << e.body << "  }\n";
  return text;
}
