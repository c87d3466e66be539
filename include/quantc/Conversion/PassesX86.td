//===- PassesX86.td - the x86 lowering passes -*- tablegen -*-===//
//
// Included by Passes.td (one pass declaration file per library); split by
// concern.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_CONVERSION_PASSESX86_TD
#define QUANTC_CONVERSION_PASSESX86_TD

include "mlir/Pass/PassBase.td"

def QuantCLowerMatmulToX86 : Pass<"quantc-lower-matmul-to-x86",
                                  "mlir::ModuleOp"> {
  let summary = "Lower int8 quantc.matmul (+ its rescale epilogue) to AVX-512 "
                "VNNI or AVX2 micro-kernels";
  let description = [{
    Rewrites every rank-2, statically shaped i8 `quantc.matmul` into a call
    to a generated, shape-specialised kernel function, body included; a
    rank-3 (batched) one into a loop over the batch calling the kernel of
    one batch on 2-D views (its weight packed at run time, its rescale run
    after it). The kernel is built from `scf` loops,
    `vector` ops and the Pure intrinsic ops `quantc.x86.vpdpbusd` (isa
    avx512-vnni) or `quantc.x86.pmaddwd` (isa avx2), which
    `--quantc-x86-intrinsics-to-llvm` lowers after bufferization. When the
    matmul's only user is a `quantc.rescale`, the epilogue (scales, bias,
    ReLU/GELU, residual, saturating requantize) is computed on the
    accumulators in registers, with the arithmetic of
    `--convert-quantc-to-linalg` (bit-identical results).

    - The weight `W: [N, K]` is packed at compile time into
      `[N/(16*nr)][K/4][16*nr*4]` i8 (avx512-vnni: K blocked by 4, N by `nr`
      zmm columns, zero padded) or `[N/(8*nr)][K/2][8*nr*2]` sign-extended i16
      (avx2), in a 64-byte aligned `memref.global`; a weight used twice is
      packed once.
    - A weight that is not a compile-time constant (a function argument,
      another op's result; plan `runtime_weight = true`) is passed to the
      kernel as it lies (any row stride, like the activations), which packs
      each block of `panel_block` panels into the same layout, with the
      compensation, in a scratch buffer allocated once per call (per thread
      under OpenMP: each thread packs its own panels), before that block's
      row tiles.
    - `vpdpbusd` multiplies u8 x s8: the activations are shifted by +128
      (xor 0x80) when packed and the accumulators start at
      `-128 * colsum(W)` (precomputed), so the result is exact for every
      int8 input incl. -128. `vpmaddwd` on i16 is exact and needs no
      compensation (unlike the saturating `vpmaddubsw`). An lhs that is
      `xori(u8 bytes, 0x80)` (u8 storage, `--quantc-import-quant`) is read
      before the xor and not shifted: the bytes are `vpdpbusd`'s u8 operand
      as they are.
    - Zero points (`quantc.matmul`'s `lhs_zero_point` / `rhs_zero_point`):
      a per-tensor constant activation zero point zx makes the compensation
      `-(128 + zx) * colsum(W)` (`vpmaddwd`: A - zx is packed in i16); a
      per-tensor or per-output-channel weight zero point zw is an extra
      kernel operand after the weights, and the epilogue subtracts
      `zw * (rowsum(A) - K * zx)`, the row sums taken while A is packed.
      Other zero points (per token, run-time activation ones, batched
      GEMMs) are corrected in i32 after the kernel (`expandZeroPoints`),
      with a remark.
    - Cache blocking: `mr` activation rows are packed once (transformed,
      K zero-padded) into a tile on the stack (heap above 128 KiB; its
      `memref.dealloc` is left to the buffer-deallocation pipeline) that
      stays in L1, then run against a block of `panel-block-kib` of weight
      panels before the next row tile.
    - The register tile is `mr x nr` vector accumulators (default 6 x 4 zmm:
      24 independent `vpdpbusd` chains; 6 x 2 ymm for avx2). M and N tails
      are peeled with smaller tiles and masked stores.
    - Small M (4 to `small-m` rows, avx512-vnni, run-time weight: a few
      tokens; 1-3 rows take the decode kernel, below): packing W would cost as much as the GEMM, so the kernel
      (plan `small_m`) reads W where it lies: it packs A (+128) into
      `[M/16][K/4][64]` once per call and, per panel of 16 rows of W,
      broadcasts each row's 4-byte K groups against A's vectors (16
      accumulators, lanes = rows of A; K unrolled by 8 groups, whatever
      `kunroll`), sums the rows for the -128 * rowsum compensation,
      prefetches the next panel's rows into L2 while computing, and
      transposes the accumulators into output rows in registers before the
      epilogue. A W whose row stride is K is addressed with constant row
      offsets; any other stride (a slice) takes the same code on the
      general layout.
    - GEMMs of at least `parallel-min-macs` multiply-adds get a plan with
      `parallel = true`: `--quantc-x86-outline-omp` splits their weight
      panels across the threads of an OpenMP team. A static 2-D GEMM whose
      packed weight is one L2 block (all panels in one `panel_block`) and
      that has at least two blocks of rows splits its rows instead (a
      convolution's [N * OH * OW, 9 * C] x [9 * C, F]: tens of thousands of
      rows, one or two panels): a `quantc.x86_rows` loop over blocks of
      about M / 32 rows (a multiple of 16, at least 64, one that divides M
      where one is near), each a single-threaded kernel on its rows of A, of
      the per-row epilogue operands and of the output, the call marked
      `quantc.x86_row_call_work` for `--quantc-x86-outline-rows`; the rows
      left after the last whole block run through a kernel of their own
      size on the calling thread.
    - A dynamic M (a run-time token count; N and K static, 2-D) runs as a
      loop over whole chunks of `dynamic-m-chunk` rows, then over 16-row
      tiles: static kernels of their own plans on row slices of A, of the
      output and of the per-row epilogue operands (x_scale, residual); the
      last 1-15 rows run through the tile kernel on zero-padded copies. A
      constant weight is packed once for all of them.
    - Decode (avx512-vnni, avx2, or amx below `amx-min-m`; at most 3
      static rows, a run-time rhs, 2-D or batched, static or with a dynamic
      N, K or batch: a decode step's projections with run-time weights,
      attention's Q.K^T and P.V over a KV cache of run-time length): the
      decode kernel
      (DecodeKernel.h) reads N, K and the batch from the buffers at run
      time and the rhs where it lies, `[B, N, K]` or (`transpose_rhs`, or
      a `linalg.transpose` whose source has N innermost) `[B, K, N]`; the
      rhs of a `linalg.transpose` is read in place through a
      `memref.transpose` view of its source (a KV cache `[L, H, D]`, no
      copy). W xor 0x80 is `vpdpbusd`'s u8 operand, so the correction is
      one `128 * rowsum(A)` per row. It writes i32 (a rescale runs after
      it, zero points are corrected after it, with remarks), needs no
      scratch, and its batch range is split across threads when the GEMM
      (dynamic extents counted as 1024) has at least `parallel-min-macs` /
      16 multiply-adds.
    - A rank-3 GEMM with a run-time batch, M, N or K, or a 2-D one with a
      run-time N or K (as a batch of one, not split across threads), and
      more rows than the decode kernel takes (a dynamic-length prefill's
      Q.K^T and P.V): a function over the batch range (split across threads as above)
      loops over static blocks (M and N dynamic: 64 each; K: whole when
      static, 256 when dynamic) and calls one runtime-weight kernel per
      block on strided views of the operands, read in place through the
      `linalg.transpose`s that make them and `transpose_lhs`/`rhs` (no
      layout copy). An operand whose K is not contiguous (V `[S, H, D]`
      read as `[H, D, S]`), and every block at an edge, is copied into a
      zero-padded block (W once per N x K block for all row blocks); an
      edge block of the output goes through a scratch tile; with a dynamic
      K the output starts at zero and each K block is added to it. Remarks
      say so; a rescale runs after it.

    The kernel carries its plan, a `#quantc.x86_gemm_plan` attribute, as
    `quantc.x86_plan`. Every matmul that does not take this path says why in
    a remark (batched over more than one dimension, non-i8 operands, i32 overflow, a constant weight too large to
    pack, ...) and is left for `--convert-quantc-to-linalg`; so does every rescale of a lowered matmul
    that is not fused (e.g. a block-scaled operand, read as a `block`
    broadcast), which then runs after the GEMM.

    Before:
    ```mlir
    %w = arith.constant dense<...> : tensor<64x100xi8>
    %acc = quantc.matmul %x, %w : tensor<8x100xi8>, tensor<64x100xi8> -> tensor<8x64xi32>
    ```
    After:
    ```mlir
    %a = bufferization.to_buffer %x read_only : tensor<8x100xi8> to memref<8x100xi8>
    %b = memref.get_global @__quantc_x86_w : memref<1x25x256xi8>
    %c = memref.get_global @__quantc_x86_comp : memref<64xi32>
    %o = memref.alloc() {alignment = 64 : i64} : memref<8x64xi32>
    call @__quantc_x86_gemm(%a, %b, %c, %o, %c0, %c1) : (...) -> ()
    %acc = bufferization.to_tensor %o restrict writable : memref<8x64xi32> to tensor<8x64xi32>
    ...
    func.func private @__quantc_x86_gemm(%a: memref<8x100xi8> {llvm.noalias}, ...)
        attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni,
          m = 8, n = 64, k = 100, mr = 6, nr = 4, kunroll = 4, panel_block = 1,
          parallel = false, emulate = false>, ...} {
      %tile = memref.alloca() {alignment = 64 : i64} : memref<6x192xi8>
      scf.for %blk = ... {            // blocks of panel_block weight panels
        scf.for %m = ... {            // row tiles: pack rows (xor 0x80)
          scf.for %p = ... {          // panels of the block
            %acc:24 = scf.for %g = ... iter_args(...) {
              %w0 = vector.load %b[%p, %g, %c0] : memref<1x25x256xi8>, vector<64xi8>
              ...
              %r = quantc.x86.vpdpbusd %acc0, %a0, %w0 : vector<16xi32>, vector<64xi8>
    ```
  }];
  let options = [
    Option<"isa", "isa", "::quantc::X86Isa", "::quantc::X86Isa::avx512_vnni",
           "Instruction set of the kernels",
           [{::llvm::cl::values(
             clEnumValN(::quantc::X86Isa::avx512_vnni, "avx512-vnni",
                        "vpdpbusd zmm (AVX-512 VNNI + BW)"),
             clEnumValN(::quantc::X86Isa::avx2, "avx2",
                        "vpmaddwd ymm on sign-extended i16, exact"),
             clEnumValN(::quantc::X86Isa::amx, "amx",
                        "AMX-INT8 tdpbssd tiles (GEMMs of fewer than "
                        "amx-min-m rows: avx512-vnni)"))}]>,
    Option<"mr", "mr", "int64_t", "0",
           "Rows of the register tile (0: 6; amx: 32, a multiple of 16)">,
    Option<"nr", "nr", "int64_t", "0",
           "Vector columns (16 or 8 outputs each) of the register tile "
           "(0: 4 for avx512-vnni, 2 for avx2)">,
    Option<"kunroll", "kunroll", "int64_t", "0",
           "Unroll factor of the K loop, in groups of 4 (avx2: 2) "
           "(0: 4 for avx512-vnni, 2 for avx2)">,
    Option<"panelBlockKib", "panel-block-kib", "int64_t", "0",
           "Weight bytes (KiB) of the panels run against one packed "
           "activation tile before the next row tile (0: 512, an L2 budget, "
           "for avx512-vnni; 4096 for avx2, measured best on Zen 3)">,
    Option<"parallelMinMacs", "parallel-min-macs", "int64_t", "16777216",
           "Split the weight panels of GEMMs with at least this many "
           "multiply-adds across threads (-1: never); the split is done by "
           "--quantc-x86-outline-omp">,
    Option<"smallM", "small-m", "int64_t", "32",
           "avx512-vnni: run-time-weight GEMMs of 4 to this many rows "
           "(<= 64; 0: never) read the weight where it lies and pack the "
           "activations instead (plan small_m; 1-3 rows: the decode "
           "kernel)">,
    Option<"dynamicMChunk", "dynamic-m-chunk", "int64_t", "0",
           "A GEMM whose M is dynamic runs as chunks of this many rows (a "
           "power of two in [1, 4096]), then 16-row tiles (0: 128 for "
           "avx512-vnni and avx2, 256 for amx)">,
    Option<"amxMinM", "amx-min-m", "int64_t", "32",
           "isa=amx: GEMMs of fewer rows run on the avx512-vnni kernels "
           "(in [1, 4096])">,
    Option<"emulate", "emulate", "bool", "false",
           "avx512-vnni and amx: replace vpdpbusd (amx: the tile loads, "
           "tdpbssd and tile stores) by portable i32 vector arithmetic "
           "(bit-identical; tests on machines without AVX-512 VNNI or AMX)">
  ];
  let dependentDialects = ["quantc::QuantCDialect",
                           "mlir::amx::AMXDialect",
                           "mlir::LLVM::LLVMDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::bufferization::BufferizationDialect",
                           "mlir::func::FuncDialect",
                           "mlir::math::MathDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def QuantCX86IntrinsicsToLLVM : Pass<"quantc-x86-intrinsics-to-llvm"> {
  let summary = "Lower the quantc.x86 intrinsic ops to llvm.call_intrinsic";
  let description = [{
    `quantc.x86.vpdpbusd` becomes `llvm.x86.avx512.vpdpbusd.{128,256,512}`,
    `quantc.x86.pmaddwd` `llvm.x86.{sse2,avx2}.pmadd.wd` or
    `llvm.x86.avx512.pmaddw.d.512`. The CPU pipeline runs it after buffer
    deallocation: `llvm.call_intrinsic` has unknown memory effects, which
    the deallocation passes reject, while the quantc ops are Pure.

    Before:
    ```mlir
    %r = quantc.x86.vpdpbusd %acc, %a, %b : vector<16xi32>, vector<64xi8>
    ```
    After:
    ```mlir
    %r = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%acc, %a, %b) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
    ```
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def QuantCX86AmxToLLVM : Pass<"quantc-x86-amx-to-llvm", "mlir::ModuleOp"> {
  let summary = "Lower the amx kernels' tile ops and tile-typed branches to LLVM";
  let description = [{
    The amx dialect's ops (`amx.tile_zero`, `tile_load`, `tile_muli`,
    `tile_store`) become the `llvm.x86.*.internal` intrinsics (LLVM places
    `ldtilecfg` itself), and `!amx.tile` block arguments (the C tiles carried
    by a K loop after `convert-scf-to-cf`) become `!llvm.x86_amx`, which
    `convert-cf-to-llvm` alone cannot convert. Runs after
    `convert-scf-to-cf`, before `convert-cf-to-llvm`; a module without amx
    ops is left as it is.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::amx::AMXDialect"];
}

def QuantCX86OutlineOMP : Pass<"quantc-x86-outline-omp", "mlir::ModuleOp"> {
  let summary = "Run parallel x86 GEMM kernels on an OpenMP team (GOMP ABI)";
  let description = [{
    Runs on the LLVM dialect, after `convert-func-to-llvm`. Every call to an
    `llvm.func` whose `quantc.x86_plan` says `parallel = true`, or that
    carries `quantc.x86_parallel` (a float kernel), (its last two
    arguments are the range of weight panels it computes) becomes
    `GOMP_parallel(@<kernel>_worker, ctx, 0, 0)`: the call's operands are
    stored in a stack context, and every thread of the team calls the
    kernel on its contiguous share of the panels
    (`omp_get_thread_num` / `omp_get_num_threads`). The team size follows
    `OMP_NUM_THREADS`. Both libgomp and LLVM's libomp implement this ABI;
    load one (e.g. `mlir-runner -shared-libs=.../libgomp.so.1`). The plans
    are removed from every `llvm.func` (the LLVM IR translation does not
    know the quantc dialect).

    Before:
    ```mlir
    llvm.call @__quantc_x86_gemm(%a0, ..., %c0, %c64) : (...) -> ()
    ```
    After:
    ```mlir
    %ctx = llvm.alloca %one x !llvm.struct<(...)> : (i64) -> !llvm.ptr
    llvm.store %a0, ... ; one store per operand
    %fn = llvm.mlir.addressof @__quantc_x86_gemm_worker : !llvm.ptr
    llvm.call @GOMP_parallel(%fn, %ctx, %zero, %zero) : (!llvm.ptr, !llvm.ptr, i32, i32) -> ()
    ```
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def QuantCLowerFloatContractionsToX86
    : Pass<"quantc-lower-float-contractions-to-x86", "mlir::ModuleOp"> {
  let summary = "Lower float linalg contractions (matmul, batch_matmul, "
                "contraction generics) to AVX-512 / AVX2 FMA micro-kernels";
  let description = [{
    Rewrites every float contraction on tensors (M, N, K and the batch count
    static or dynamic) whose result is the
    plain sum `out[b, m, n] += sum_k A * B` (`linalg.matmul`
    with any transposed indexing maps, `linalg.batch_matmul` incl. a
    broadcast 2-D operand, a `linalg.generic` with one M, N and K and at most
    one batch dimension whose body is `addf(out, mulf(a, b))`, operands
    optionally `extf`-widened) into a call to a generated, shape-specialised
    kernel function (one call per batch). The kernel works BLIS-style:

    - The weight panels (`nr` vectors of columns each) are taken in blocks
      of `block-kib`; K is blocked by `kc`, M by `mc`. For each block and K
      block, B is packed into a per-call f32 scratch of K-major panels (one
      panel stays in L1): a B contiguous along N is copied row by row with
      vector loads, a B stored `[n, k]` is transposed in registers
      (`vector.shuffle`), other layouts are packed element by element. Then
      each M block of A is packed into a per-call f32 scratch (L2) and run
      against the block's panels.
      f16 and bf16 operands are widened to f32 when packed.
    - The register tile is `mr x nr` f32 vectors (default 6 x 4 zmm, 6 x 2
      ymm for avx2): `vector.fma` of a broadcast A element by the panel's
      vectors, f32 accumulators. M and N tails use smaller tiles and masked
      loads/stores.
    - The first K block starts the accumulators at zero (an init that is a
      zero `linalg.fill` or constant) or at the init operand (linalg's
      accumulating `outs`), later blocks at the partial sums in the output.
      An f16 / bf16 output is rounded once: its K is not blocked.
      Before its K loop each tile prefetches the output lines of the next
      row tile (`memref.prefetch`), whose partial sums are reloaded there.
    - GEMMs of at least `parallel-min-macs` multiply-adds are split over
      their weight panels across the threads of an OpenMP team: the kernel
      carries `quantc.x86_parallel`, which `--quantc-x86-outline-omp` turns
      into GOMP_parallel like the int8 kernels' plans.
    - Few rows (at most `dot-max-m`) against a B stored `[n, k]` (the
      nn.Linear layout; A contiguous along K too) take a dot-product kernel
      instead: no packing, `dot-mr` rows of A by `dot-nr` rows of B per tile,
      `dot-mr x dot-nr` vector accumulators over K blocks of `dot-kc` (B and
      A read where they lie and stay in L1 while all row tiles run over the
      block; the K tail masked; partial sums in a small per-call vector
      scratch between K blocks), each reduced once at the end
      (`vector.reduction`, reassociated); its panels are the tiles of
      `dot-nr` output columns.
    - A dynamic M (and batch count) is a run-time operand of the kernel: the
      M-block loop runs to it, the M tail (M mod mr rows) runs through tail
      tiles of 1 .. mr - 1 rows selected by `scf.index_switch`, the A
      scratch holds min(M, mc) rows, M = 0 computes nothing, and the result
      is allocated with the init's run-time extents. The call chooses at run
      time between the dot-product and packing kernels (`dot-max-m`) and
      between the parallel and serial ones (rows * n * k against
      `parallel-min-macs`). Batches that continue A's rows under a shared B
      are one GEMM of batch * M rows; other batches a loop to the run-time
      count, at offsets scaled by the run-time extents.
    - A dynamic N or K (attention with a run-time token count: Q . K^T has
      N = keys, P . V has K = keys) is a run-time operand of the packing
      kernel, as are the operand strides that involve it: the panel count
      is ceil(N / (nr * lanes)), the tail panel of N mod (nr * lanes)
      columns runs through `scf.index_switch` on its vector count (1 .. nr)
      with the last vector's loads and stores masked (`vector.create_mask`),
      the K-block loop runs to max(K, 1) with blocks of min(kc, K - pc)
      (K = 0 stores 0 or C), and the K loop is unrolled to the block's
      run-time length. The parallel choice compares the rows with
      ceil(parallel-min-macs / (N * K)) at run time. Such GEMMs never take
      the dot-product kernel (it is specialised to N and K). Static shapes
      keep the fully specialised code.

    Each contraction that does not take this path (a dynamic K with an f16
    or bf16 output, a dynamic M or batch count inside the M or K stride of
    an operand, f64 or
    mixed integer types, a body other than a multiply-accumulate, several M,
    N or K dimensions, a transposed output, convolutions) gets a remark
    saying why and is left to the reference lowering.

    Before:
    ```mlir
    %y = linalg.matmul ins(%x, %w : tensor<8x100xf32>, tensor<100x64xf32>)
                       outs(%z : tensor<8x64xf32>) -> tensor<8x64xf32>
    ```
    After:
    ```mlir
    %a = bufferization.to_buffer %x read_only : ...
    %af = memref.collapse_shape %a [[0, 1]] : memref<8x100xf32> into memref<800xf32>
    ...
    call @__quantc_x86_sgemm(%af, %bf, %of, %c0, %c0, %c0, %c0, %c1) : (...) -> ()
    ...
    func.func private @__quantc_x86_sgemm(...) {
      scf.for %pc ... {            // K blocks
        ... pack A block ...
        scf.for %panel ... {      // weight panels: pack B panel
          %acc:24 = scf.for %k ... iter_args(...) {
            %r = vector.fma %a0, %b0, %acc0 : vector<16xf32>
    ```
  }];
  let options = [
    Option<"isa", "isa", "::quantc::X86Isa", "::quantc::X86Isa::avx512_vnni",
           "Vector width of the kernels",
           [{::llvm::cl::values(
             clEnumValN(::quantc::X86Isa::avx512_vnni, "avx512",
                        "16 f32 lanes (zmm), 32 registers"),
             clEnumValN(::quantc::X86Isa::avx2, "avx2",
                        "8 f32 lanes (ymm), 16 registers"))}]>,
    Option<"mr", "mr", "int64_t", "0", "Rows of the register tile (0: 6)">,
    Option<"nr", "nr", "int64_t", "0",
           "Vectors of columns of the register tile (0: 4 for avx512, 2 for "
           "avx2)">,
    Option<"kc", "kc", "int64_t", "0", "K block (0: 256)">,
    Option<"mc", "mc", "int64_t", "0", "M block (0: 480)">,
    Option<"kunroll", "kunroll", "int64_t", "0",
           "Unroll factor of the micro-kernel's K loop (0: 4)">,
    Option<"blockKib", "block-kib", "int64_t", "0",
           "KiB of packed weight panels (one K block of them) per block of "
           "the outer panel loop (0: 1024, an L2 budget)">,
    Option<"parallelMinMacs", "parallel-min-macs", "int64_t", "16777216",
           "Split the weight panels of GEMMs with at least this many "
           "multiply-adds (per batch) across threads (-1: never)">,
    Option<"dotMaxM", "dot-max-m", "int64_t", "16",
           "GEMMs of at most this many rows whose A and B are both "
           "contiguous along K (B stored [n, k]) take the dot-product kernel "
           "(0: never)">,
    Option<"dotMr", "dot-mr", "int64_t", "0",
           "Rows of A per dot-product tile (0: 4 for avx512, 3 for avx2)">,
    Option<"dotNr", "dot-nr", "int64_t", "0",
           "Rows of B (output columns) per dot-product tile (0: 6 for "
           "avx512, 3 for avx2)">,
    Option<"dotKc", "dot-kc", "int64_t", "0",
           "K block of the dot-product kernel (0: 256)">
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::bufferization::BufferizationDialect",
                           "mlir::func::FuncDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::vector::VectorDialect"];
}

def QuantCX86OutlineRows : Pass<"quantc-x86-outline-rows", "mlir::ModuleOp"> {
  let summary = "Split the row loops of vectorized elementwise ops across "
                "an OpenMP team";
  let description = [{
    Runs on memrefs, after bufferization. Every `scf.for` that
    `quantc-x86-vectorize-elementwise` marked `quantc.x86_rows` (the
    outermost loop of an op over a dimension of its result, after any of
    extent 1: norms, softmax, RoPE, activations, the per-token quantization,
    row by row, an im2col gather by image or output row) becomes a call
    of an outlined function `@__quantc_x86_rows(captured values..., lo, hi)`
    that runs the rows `[lo, hi)`; the call goes to a twin that carries
    `quantc.x86_parallel` (so `quantc-x86-outline-omp` splits `[lo, hi)`
    across the OpenMP team) when the loop's work, rows times the trip counts
    of the loops it contains (vectors per row), is at least `min-work`, else
    to the function itself on the calling thread (a decode step's few rows
    do not pay for a fork). Constants are cloned into the function.

    A marked loop is left as it is, with a remark saying why, when it does
    not start at 0 with step 1, carries values other than its own iteration
    arguments unchanged, allocates or calls, or writes memory other than by
    stores and vector writes whose indices include the row (the rows it
    writes would not be disjoint), or reads at indices computed from the
    row (an im2col gather's `oh + kh`, which reach other rows) a buffer it
    may write: one it writes (through any view), or a function argument
    when it writes another (two arguments may be one buffer). A call that carries
    `quantc.x86_row_call_work` (a GEMM kernel on the iteration's block of
    rows, `--quantc-lower-matmul-to-x86`) is taken on its emitter's word and
    counts that many vectors of work. `min-work=-1` leaves every loop on the
    calling thread (the marks are removed).
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", "2048",
           "Iterations (vectors) of a row loop below which it runs on the "
           "calling thread; -1: never split">
  ];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect", "mlir::LLVM::LLVMDialect"];
}

def QuantCX86VectorizeElementwise
    : Pass<"quantc-x86-vectorize-elementwise", "mlir::func::FuncOp"> {
  let summary = "Elementwise and reduction linalg.generic ops -> loops over "
                "vectors of their innermost dimension, with a masked tail";
  let description = [{
    Every `linalg.generic` on tensors (and named elementwise ops, reduce, map,
    and a `linalg.transpose` that keeps the innermost dimension, copied in
    whole vectors) with one result, a result map that is a projected
    permutation, input maps whose indices are loops, 0 or affine
    expressions of the outer loops (an im2col gather's
    `o * stride + w * dilation`) and that read the innermost loop (if at
    all) along an operand's innermost dimension, alone or plus such an
    expression, and a body of constants, `linalg.index` and
    elementwise-mappable ops (arith, math) becomes:

    * scalar `scf.for` loops over the other parallel loops (static or
      dynamic extents), in which the body's values that do not vary along the
      innermost or a reduction loop (a row's scale, mean, `rsqrt(var + eps)`)
      are computed once;
    * a loop over the innermost dimension in whole vectors of `lanes`
      elements (`vector.transfer_read/write` in bounds), then one masked
      vector for the rest (out-of-bounds transfers; `vector.create_mask`),
      decided at run time for a dynamic extent;
    * a reduction along the innermost loop (softmax's max and sum, a norm's
      mean and variance, the per-token absmax) in a vector accumulator that
      starts at the combiner's neutral element (masked lanes kept by a
      select), and one `vector.reduction` into the output element per row;
      reductions along outer loops as vertical vector ops on an accumulator
      read from the output (the scalar order, so bit-exact).

    First, elementwise producers are fused into the generics that read them
    (upstream's elementwise fusion): one with a single use, and one of cheap
    arithmetic (no math functions, no integer division) with several uses,
    all linalg.generic ops, recomputed in each (softmax's rescaled and masked
    scores, read by the row maximum and by the exponential): its result is
    never written out.

    Transcendental functions on the vectors (exp, tanh, erf, log, ...; f16 and
    bf16 through f32), and vector exponentials already in the function (a
    GEMM kernel's fused SiLU epilogue; its erf stays libm's, bit-exact
    against the reference lowering), become upstream's polynomial
    approximations instead of per-lane libm calls; sqrt and rsqrt stay
    (vector instructions). Divisions
    stay divisions (`x / scale` of the quantization is bit-exact). The code
    does not depend on LLVM's loop vectorizer, which `llc` does not run. Every
    other `linalg.generic` on tensors (several results, a transposed read of
    the innermost loop, a body with calls or regions, a reduction without a
    vector form) gets a remark saying why and is left to the scalar loops of
    `convert-linalg-to-loops`.

    Then (`fuse-rows`, on by default) the row loops of consecutive ops
    become one loop when the second reads the first's result only in the
    row the first has just written (softmax's scores, maximum, exponential,
    sum and quantization; a norm and the quantization after it): the same
    bounds (traced through the tensors' shapes), writes only at the loop's
    induction variable in the same dimension, only tensors carried, and
    nothing with memory effects or reading the first's results in between
    (reshapes of them that keep the row dimension whole move into the loop:
    torch's softmax reads the scores as [H, S, 1, S], a rotation's stages
    as [S, 32, 2, 1, 44]).
    Level by level: the loops marked `quantc.x86_rows` (the merged loop
    keeps the mark), then the loops inside them. Each row is read back from L1
    instead of after the whole tensor went through the caches; every
    element is computed by the same ops, so results are bit-identical.

    Then (`row-scratch`, on by default with fuse-rows) a tensor that a fused
    loop carries only for itself (a tensor.empty, dropped after the loop,
    every access indexing one dimension at the marked loop's induction
    variable and one at that of a loop inside it that carries the tensor,
    holds every access and is not run again by a loop between them) keeps
    one row per outer iteration: softmax's
    scores and exponentials of [H, S, S] become [H, 1, S] and are no longer
    written out to memory. The marked loop's dimension stays, so the rows
    that --quantc-x86-outline-rows splits across threads stay disjoint.

    The CPU pipeline runs it on x86 before bufferization.
  }];
  let options = [
    Option<"lanes", "lanes", "int64_t", "16",
           "Elements of the innermost dimension per vector (16: a zmm of f32)">,
    Option<"fuseRows", "fuse-rows", "bool", "true",
           "Merge the row loops of consecutive ops when the second reads the "
           "first's result only in the row just written">,
    Option<"rowScratch", "row-scratch", "bool", "true",
           "After fuse-rows, shrink the tensors a fused loop carries only for "
           "itself to the rows it works on ([H, S, S] -> [H, 1, S])">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::math::MathDialect",
                           "mlir::arith::ArithDialect"];
}

def QuantCLowerWeightOnlyToX86
    : Pass<"quantc-lower-weight-only-to-x86", "mlir::ModuleOp"> {
  let summary = "Lower float contractions whose weight is a quantc.dequantize "
                "of int8 or int4 data (W8A16, W4A16) to fused AVX-512 / AVX2 "
                "kernels";
  let description = [{
    Rewrites every 2-D float contraction (static N and K; M static or a
    run-time token count) (`linalg.matmul`
    with any indexing maps, or a contraction `linalg.generic`, whose body is
    `addf(out, mulf(a, b))`) whose weight (operand 1) is the result of a
    `quantc.dequantize` of an `i8` or `i4` tensor, with a scale per output
    channel (or per tensor) or per group of `g` along K (the granularity
    analysis' `dequant-on-load` verdict) and optionally a zero point of the
    scale's shape (a constant or known at load time), into a call to a generated kernel that never
    materialises the float weight:

    - A weight panel is `nr` vectors of columns. For each K block (`kc`, a
      multiple of the group), each row tile (`mr` rows) of the activation:
      per K step, `nr` int8 vector loads of the weight, widened in registers
      (`arith.extsi` to i32, `arith.sitofp` to f32: vpmovsxbd + vcvtdq2ps),
      `vector.fma` against the broadcast activation element; f32
      accumulators.
    - Per-channel scales factor out of the sum over K: the accumulators are
      multiplied by the scale vector once, in the epilogue (with the init
      operand added when it is not a zero fill). Group scales are applied
      per group: a group is accumulated in temporaries, then
      `fma(temp, scale[group], acc)`.
    - A constant weight is packed at compile time into the kernel's int8
      panel layout (`[panel][k][nr * lanes]`, zero-padded), a constant scale
      into a `[group][padded n]` f32 table. A weight, scale or zero point
      known at load time (`quantc.param` and pure functions of it, e.g. a
      transposed weight, which is read where it lies) is packed into the same
      layouts by the module's prepare body, once, into a state global: the
      same rule (WeightOnlyPacking.cpp) run at compile time on constants and
      emitted as vector loops for load-time values; an `i4` parameter is
      read as its bytes (one per element, sign-extended). A constant whose
      bytes cannot be read gets a remark. A run-time weight stored `[k, n]`
      is read in place (decode: repacking costs as much as the GEMM), K
      block by K block across all panels (partial sums in the output), so
      that each weight row is read as one sequential stream.
    - 4-bit (`i4`, signed [-8, 7]) constant and load-time weights are
      packed two per byte (`__quantc_x86_w4a16_gemm`): per K row of a panel,
      one byte vector per pair of column vectors, byte i holding `q + 8` of
      column i of the even vector (low nibble) and of the odd one (high
      nibble). AVX-512: the byte vector is zero-extended once (vpmovzxbd)
      and `quantc.x86.vpermps` of the f32 table [-8, 7] reads the low nibble
      of each lane, then of the lanes shifted right by 4: q in f32 without a
      conversion, the zero point subtracted in f32. AVX2: `andi 15` / `shrui
      4` on the bytes, `extui`, `q + 8 - (8 + z)` in i32, `sitofp`. Constant
      grouped 4-bit weights with more than 2 static rows: a 4-row tile whose
      per-group sums (temporaries) are added, scaled, to running sums kept
      in the output (`out = fma(temp, scale, out)` once per group);
      otherwise the per-group sums are scaled once per group into
      registers, or per channel in the epilogue. A run-time `i4` weight is widened to `i8` on
      every call (`arith.extsi`, one pass over the weight) and runs on the
      int8 kernel, with a remark.
    - Zero points (constant or load-time, i8 or i4 weights) become an i32 offset table
      `[group][padded n]` subtracted from the widened weight.
    - From `block-min-m` rows on (default 32) the GEMM runs a blocked
      kernel instead: per K block and
      block of panels, the weight (same packed or in-place layout) is
      widened once into an f32 scratch in the float kernel's packed-B
      layout, each weight as `float(q - offset) * scale` (the value
      quantc.dequantize defines), and the float micro-kernel
      (FloatMicroKernel.cpp, through its `packB` hook) runs every row tile
      over it: the dequantization is amortised over M. Below 48 rows the
      narrow variant widens one panel of 128 K rows at a time (L1-resident),
      from 48 rows the wide one 16 panels of 256. Its accumulation order is
      the float kernel's: acc = C (or 0), then `fma(A[m, k], w[k, n], acc)`
      for k in order, bit-exact against a NumPy simulation.
    - A run-time M (activation `[?, k]`): every kernel takes M as an operand
      (whole row tiles in a loop, the tail rows by `scf.index_switch`), and
      the call site picks the kernel per call by an `scf.if` chain on M (the
      register kernel for decode, the blocked ones for prefill).
    - GEMMs of at least `parallel-min-macs` multiply-adds are split over
      their weight panels across an OpenMP team (`quantc.x86_parallel`).

    Every weight-only contraction that does not take the kernel (run-time
    zero points, storage other than i8 / i4, a run-time weight stored
    `[n, k]`, a scale
    varying element by element along K, a run-time N or K, a run-time M
    with the activation stored `[k, m]`, batches, ...) gets a
    remark saying why and is left to the float path.
  }];
  let options = [
    Option<"isa", "isa", "::quantc::X86Isa", "::quantc::X86Isa::avx512_vnni",
           "Vector width of the kernels",
           [{::llvm::cl::values(
             clEnumValN(::quantc::X86Isa::avx512_vnni, "avx512",
                        "16 f32 lanes (zmm), 32 registers"),
             clEnumValN(::quantc::X86Isa::avx2, "avx2",
                        "8 f32 lanes (ymm), 16 registers"))}]>,
    Option<"mr", "mr", "int64_t", "0",
           "Rows of the register tile (0: 6 per-channel, 3 grouped, 4 for "
           "constant grouped 4-bit weights with more than 2 rows; avx2: 4 / "
           "2). A grouped tile also holds mr * nr temporaries">,
    Option<"nr", "nr", "int64_t", "0",
           "Vectors of columns of the register tile (0: 4 for avx512, 2 for "
           "avx2)">,
    Option<"kc", "kc", "int64_t", "0",
           "K block, rounded up to a multiple of the group (0: 256; packed "
           "weights: all of K when the GEMM has at most mr rows; weights "
           "read in place: 8 (rounded up to the group) up to 8 rows; a run-time "
           "M gets a register kernel of each, for 1-8 rows and for 9 rows up "
           "to block-min-m)">,
    Option<"parallelMinMacs", "parallel-min-macs", "int64_t", "16777216",
           "Split the weight panels of GEMMs with at least this many "
           "multiply-adds across threads (-1: never)">,
    Option<"blockMinM", "block-min-m", "int64_t", "0",
           "GEMMs with at least this many rows run the blocked kernel (the "
           "weight widened once per K block into an f32 panel for the float "
           "kernel; a run-time M chooses per call); 0: 32; -1: never">
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::bufferization::BufferizationDialect",
                           "mlir::func::FuncDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::vector::VectorDialect"];
}

#endif // QUANTC_CONVERSION_PASSESX86_TD
