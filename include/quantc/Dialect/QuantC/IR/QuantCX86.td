//===- QuantCX86.td - x86 kernel plans and intrinsics ------*- tablegen -*-===//
//
// The typed plan of a generated x86 GEMM kernel and the dot-product
// intrinsics its micro-kernel is built from (Pure, so that dataflow and
// deallocation passes see no side effect).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTC_DIALECT_QUANTC_IR_QUANTCX86_TD
#define QUANTC_DIALECT_QUANTC_IR_QUANTCX86_TD

//===----------------------------------------------------------------------===//
// The kernel plan
//===----------------------------------------------------------------------===//

def QuantC_X86Isa : I32EnumAttr<"X86Isa",
    "Instruction set of a generated x86 GEMM kernel", [
      I32EnumAttrCase<"avx512_vnni", 0>,
      I32EnumAttrCase<"avx2", 1>,
      I32EnumAttrCase<"amx", 2>
    ]> {
  let cppNamespace = "::quantc";
  let genSpecializedAttr = 0;
}

/// A bool written `true` or `false`.
class QuantC_BoolParameter<string desc = "">
    : AttrOrTypeParameter<"bool", desc> {
  let parser = [{ [&]() -> ::mlir::FailureOr<bool> {
    if (::mlir::succeeded($_parser.parseOptionalKeyword("true")))
      return true;
    if (::mlir::succeeded($_parser.parseOptionalKeyword("false")))
      return false;
    $_parser.emitError($_parser.getCurrentLocation(),
                       "expected 'true' or 'false'");
    return ::mlir::failure();
  }() }];
  let printer = [{ $_printer << ($_self ? "true" : "false") }];
}

/// A QuantC_BoolParameter that may be left out (false), and is left out of
/// the printed form when false.
class QuantC_OptionalBoolParameter<string desc = "">
    : QuantC_BoolParameter<desc> {
  let defaultValue = "false";
}

def QuantC_X86GemmPlanAttr : AttrDef<QuantC_Dialect, "X86GemmPlan"> {
  let mnemonic = "x86_gemm_plan";
  let summary = "How a generated x86 int8 GEMM kernel computes";
  let description = [{
    The plan of one shape-specialised kernel made by
    `--quantc-lower-matmul-to-x86`, attached to the kernel function as
    `quantc.x86_plan`:

    - `isa`: `avx512_vnni` (`vpdpbusd zmm`: 16 i32 lanes, 4 u8 x s8
      products per lane, activations packed +128 and accumulators started at
      the -128 * colsum(W) compensation) or `avx2` (`vpmaddwd ymm` + `vpaddd`:
      8 lanes, 2 s16 x s16 products per lane, operands sign-extended to i16;
      exact, unlike the saturating `vpmaddubsw`) or `amx` (AMX-INT8
      `tdpbssd`: s8 x s8 into 16 x 16 i32 tiles; `mr` rows = `mr / 16` A
      tiles, `nr` B tiles of 16 columns each, the `mr / 16 * nr` C tiles
      plus the A and B tiles within the 8 tile registers; the weight panel
      layout is vpdpbusd's, K padded to whole 64-byte tile rows; A is not
      shifted, the accumulators get `-zx * colsum(W)` after the K loop).
    - `m`, `n`, `k`: the GEMM `[m, k] x [n, k]^T`.
    - `mr` x `nr`: the register tile, `mr` rows by `nr` vector registers of
      output columns; `kunroll`: unroll factor of the K loop (0 or 1: none).
    - `panel_block`: weight panels (`nr` registers of columns, all of K) run
      against one packed activation tile before the next row tile.
    - `parallel`: `--quantc-x86-outline-omp` splits the panels across the
      threads of an OpenMP team.
    - `emulate`: `vpdpbusd` (or, for amx, the tile loads, `tdpbssd` and
      tile stores) replaced by portable i32 vector arithmetic on the same
      addresses (testing on machines without AVX-512 VNNI or AMX).
    - `runtime_weight` (optional, default `false`, printed only when true):
      the weight is not a compile-time constant. The kernel takes it as a
      plain `[n, k]` i8 buffer and packs each block of `panel_block` panels
      (and, for vpdpbusd, their -128 * colsum(W) compensation) into a heap
      scratch buffer allocated once per call, before running the block's row
      tiles on it; under the OpenMP split each thread packs its own panels.
    - `small_m` (optional, default `false`, printed only when true; with
      `runtime_weight`, avx512_vnni, `mr` = 16 and `nr` = 1): the weight is
      read where it lies, never packed. The kernel packs the small A
      (`m` <= 64 rows, +128) once per call into the vector operand layout
      `[m / 16][K / 4][16 * 4]` and broadcasts 4-byte K groups straight from
      16 rows of W (a panel: 16 output columns) into 16 accumulators whose
      lanes are A's rows; the -128 * rowsum(W) compensation is summed from
      the same rows (`vpdpbusd` with a u8 1), and the accumulators are
      transposed in registers into output rows before the epilogue.
    - `weight_kn` (optional, default `false`, printed only when true; with
      `runtime_weight`, not `small_m`): the run-time weight is stored
      `[k, n]` ("NN", as attention's V `[S, D]`) and the kernel takes it
      so: its packer reads the `group` rows of a K group a vector of
      columns each and interleaves them into the same panels, the column
      sums on the way (the rule of load-time `[k, n]` weights,
      emitWeightPackerFromKN). No transposed copy of the weight is made.

    ```mlir
    #quantc.x86_gemm_plan<isa = avx512_vnni, m = 64, n = 256, k = 512, mr = 6,
                          nr = 4, kunroll = 4, panel_block = 8,
                          parallel = true, emulate = false>
    ```

    The verifier bounds what keeps the emitter's index arithmetic exact: `mr`
    in [1, 64], `kunroll` in [0, 64], `panel_block` in [1, 2^32], the
    accumulators plus the weight and scratch registers within the register
    file of the ISA, and `k` small enough for the i32 accumulators. With
    `runtime_weight`, `panel_block` is at most the number of panels and the
    scratch of one block (getBlockScratchBytes) at most 2^31 bytes.
  }];
  let parameters = (ins
    EnumParameter<QuantC_X86Isa>:$isa,
    "int64_t":$m, "int64_t":$n, "int64_t":$k,
    "int64_t":$mr, "int64_t":$nr, "int64_t":$kunroll,
    "int64_t":$panel_block,
    QuantC_BoolParameter<"split across an OpenMP team">:$parallel,
    QuantC_BoolParameter<"vpdpbusd emulated">:$emulate,
    QuantC_OptionalBoolParameter<"weight packed at run time">:$runtime_weight,
    QuantC_OptionalBoolParameter<"weight read in place, A packed">:$small_m,
    QuantC_OptionalBoolParameter<"run-time weight stored [k, n]">:$weight_kn);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// i32 lanes of one vector register (16 zmm, 8 ymm).
    int64_t getLanes() const;
    /// Products summed into one i32 lane per instruction (4, 2).
    int64_t getGroup() const;
    /// Width of a packed element (i8, i16).
    unsigned getElementBits() const;
    /// Vector registers of the ISA (32 zmm, 16 ymm) and their name.
    int64_t getNumRegisters() const;
    ::llvm::StringRef getRegisterName() const;
    /// Registers besides the accumulators and the nr weight registers: the
    /// broadcast (and for vpmaddwd the product before vpaddd).
    int64_t getScratchRegisters() const;
    /// The largest |partial product| of one element pair: 255 * 128
    /// (shifted u8 x s8) or 128 * 128.
    int64_t getMaxProduct() const;
    /// The largest K whose partial sums fit the i32 accumulators of `isa`.
    static int64_t getMaxK(::quantc::X86Isa isa);
    /// Whether the accumulators start at the +128 compensation.
    bool hasCompensation() const;
    /// Output columns of one weight panel.
    int64_t getPanelCols() const;
    /// K in groups of getGroup(), rounded up.
    int64_t getKGroups() const;
    int64_t getNumPanels() const;
    /// Elements of one activation packing vector (64 i8, 16 i16).
    int64_t getPackWidth() const;
    /// K padded to whole packing vectors.
    int64_t getPackedK() const;
    /// Bytes of the packed activation tile and of one packed weight panel.
    int64_t getTileBytes() const;
    int64_t getPanelBytes() const;
    /// Bytes of the run-time packing scratch of one block of panels: the
    /// packed panels and, for vpdpbusd, their i32 compensation.
    int64_t getBlockScratchBytes() const;
    /// small_m plans: blocks of 16 rows of A, and the bytes of the packed A
    /// ([blocks][K groups][64] i8).
    int64_t getSmallMBlocks() const;
    int64_t getPackedABytes() const;
    /// The most rows of A a small_m plan takes.
    static constexpr int64_t kMaxSmallM = 64;
    /// The row chunks of a GEMM with a dynamic M: a power of two of at most
    /// kMaxDynamicMChunk rows.
    static constexpr int64_t kMaxDynamicMChunk = 4096;
    static bool isValidDynamicMChunk(int64_t rows) {
      return rows >= 1 && rows <= kMaxDynamicMChunk &&
             (rows & (rows - 1)) == 0;
    }
    /// parallel-min-macs: GEMMs of at least this many multiply-adds
    /// (>= 0) run in parallel; -1: never.
    static bool isValidParallelMinMacs(int64_t macs) { return macs >= -1; }
    /// An AMX tile: 16 rows of 64 bytes (16 K groups of 4 i8, or 16 i32).
    static constexpr int64_t kAmxTileRows = 16, kAmxTileK = 64;
  }];
}

//===----------------------------------------------------------------------===//
// Intrinsics
//===----------------------------------------------------------------------===//

class QuantC_X86Op<string mnemonic, list<Trait> traits = []>
    : QuantC_Op<"x86." # mnemonic, !listconcat(traits, [Pure])>;

def QuantC_X86VpdpbusdOp : QuantC_X86Op<"vpdpbusd",
    [AllTypesMatch<["acc", "result"]>, AllTypesMatch<["a", "b"]>]> {
  let summary = "u8 x s8 dot products of 4 bytes accumulated into i32 lanes";
  let description = [{
    `result[i] = acc[i] + sum_{t<4} zext(a[4i+t]) * sext(b[4i+t])`, without
    saturation: AVX-512 VNNI's `vpdpbusd`. The accumulator has 4, 8 or 16
    i32 lanes (xmm, ymm, zmm), the operands 4 times as many i8.
    `--quantc-x86-intrinsics-to-llvm` lowers it to
    `llvm.x86.avx512.vpdpbusd.{128,256,512}`.

    ```mlir
    %r = quantc.x86.vpdpbusd %acc, %a, %b : vector<16xi32>, vector<64xi8>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [I32]>:$acc,
                       VectorOfRankAndType<[1], [I8]>:$a,
                       VectorOfRankAndType<[1], [I8]>:$b);
  let results = (outs VectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = [{
    $acc `,` $a `,` $b attr-dict `:` type($acc) `,` type($a)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The LLVM intrinsic of this width.
    ::llvm::StringRef getIntrinsicName();
  }];
}

def QuantC_X86PmaddwdOp : QuantC_X86Op<"pmaddwd",
    [AllTypesMatch<["a", "b"]>]> {
  let summary = "s16 x s16 products summed in pairs into i32 lanes";
  let description = [{
    `result[i] = sext(a[2i]) * sext(b[2i]) + sext(a[2i+1]) * sext(b[2i+1])`:
    x86's `pmaddwd`, exact for every pair of sign-extended int8 values. The
    operands have 8, 16 or 32 i16 lanes (xmm, ymm, zmm), the result half as
    many i32. `--quantc-x86-intrinsics-to-llvm` lowers it to
    `llvm.x86.sse2.pmadd.wd`, `llvm.x86.avx2.pmadd.wd` or
    `llvm.x86.avx512.pmaddw.d.512`.

    ```mlir
    %p = quantc.x86.pmaddwd %a, %b : vector<16xi16> -> vector<8xi32>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [I16]>:$a,
                       VectorOfRankAndType<[1], [I16]>:$b);
  let results = (outs VectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = [{
    $a `,` $b attr-dict `:` type($a) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The LLVM intrinsic of this width.
    ::llvm::StringRef getIntrinsicName();
  }];
}

def QuantC_X86VpermpsOp : QuantC_X86Op<"vpermps",
    [AllTypesMatch<["table", "result"]>]> {
  let summary = "16 f32 lanes of a table at the low 4 bits of 16 i32 indices";
  let description = [{
    `result[i] = table[index[i] & 15]`: AVX-512's `vpermps zmm`, a 16-entry
    f32 table lookup (the 4-bit weight kernel turns packed nibbles into
    floats with it). `--quantc-x86-intrinsics-to-llvm` lowers it to
    `llvm.x86.avx512.permvar.sf.512`.

    ```mlir
    %r = quantc.x86.vpermps %table, %index : vector<16xf32>, vector<16xi32>
    ```
  }];
  let arguments = (ins VectorOfLengthAndType<[16], [F32]>:$table,
                       VectorOfLengthAndType<[16], [I32]>:$index);
  let results = (outs VectorOfLengthAndType<[16], [F32]>:$result);
  let assemblyFormat = [{
    $table `,` $index attr-dict `:` type($table) `,` type($index)
  }];
  let extraClassDeclaration = [{
    /// The LLVM intrinsic.
    ::llvm::StringRef getIntrinsicName() {
      return "llvm.x86.avx512.permvar.sf.512";
    }
  }];
}

#endif // QUANTC_DIALECT_QUANTC_IR_QUANTCX86_TD
