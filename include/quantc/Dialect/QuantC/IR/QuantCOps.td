//===- QuantCOps.td - quantc dialect operations ------------*- tablegen -*-===//
//
// The tensor-level quantization dialect. Granularity is a shape: every scale
// has the rank of the tensor it scales, and each of its dimensions is 1
// (broadcast), equal to the data dimension, or a divisor of it (blocks).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTC_DIALECT_QUANTC_IR_QUANTCOPS_TD
#define QUANTC_DIALECT_QUANTC_IR_QUANTCOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def QuantC_Dialect : Dialect {
  let name = "quantc";
  let cppNamespace = "::quantc";
  let summary = "Quantization as a compiler guarantee";
  let description = [{
    Tensor-level operations for symmetric (optionally affine) linear
    quantization and integer GEMMs. A scale is a float tensor of the same rank
    as the data it scales; per-tensor, per-token, per-channel, per-block and
    per-element quantization are the same op with differently shaped scales.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

class QuantC_Op<string mnemonic, list<Trait> traits = []>
    : Op<QuantC_Dialect, mnemonic, traits>;

def QuantC_Activation : I32EnumAttr<"Activation",
    "Elementwise activation applied in a GEMM epilogue", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"relu", 1>,
      I32EnumAttrCase<"gelu", 2>,
      I32EnumAttrCase<"gelu_tanh", 3>,
      I32EnumAttrCase<"silu", 4>
    ]> {
  let cppNamespace = "::quantc";
  let genSpecializedAttr = 0;
}
def QuantC_ActivationAttr
    : EnumAttr<QuantC_Dialect, QuantC_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

def QuantC_FloatTensor : RankedTensorOf<[AnyFloat]>;
def QuantC_IntTensor : RankedTensorOf<[AnySignlessInteger]>;
// Quantized storage: integers, or FP8 E4M3 (`f8E4M3FN`, carried as a builtin
// float type: MLIR's quant types do not take FP8 storage yet).
def QuantC_StorageTensor : RankedTensorOf<[AnySignlessInteger, F8E4M3FN]>;

//===----------------------------------------------------------------------===//
// quantize / dequantize
//===----------------------------------------------------------------------===//

def QuantC_QuantizeOp : QuantC_Op<"quantize", [Pure]> {
  let summary = "float to integer with round-half-to-even and saturation";
  let description = [{
    `q = clamp(round_half_even(x / scale) + zero_point, qmin, qmax)`.

    The scale has the rank of the input; each scale dimension is 1, equal to
    the input dimension, or divides it (a block of input elements shares one
    scale). `qmin`/`qmax` default to the narrow symmetric range of the result
    storage type (`[-127, 127]` for i8). NaN inputs quantize to `zero_point`.

    FP8 storage (`f8E4M3FN`): `q = e4m3(clamp(x / scale, -448, 448))`,
    rounded to the nearest E4M3 value, ties to even (subnormals included),
    saturating at +-448 and NaN to 0 (`encodeE4M3FN`, Arithmetic.h, is the
    one definition); no zero point and no `qmin`/`qmax`.

    ```mlir
    %q = quantc.quantize %x, %s : tensor<4x8xf32>, tensor<4x1xf32> -> tensor<4x8xi8>
    ```
  }];
  let arguments = (ins QuantC_FloatTensor:$input, QuantC_FloatTensor:$scale,
                       Optional<QuantC_IntTensor>:$zero_point,
                       OptionalAttr<I64Attr>:$qmin, OptionalAttr<I64Attr>:$qmax);
  let results = (outs QuantC_StorageTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale (`zero_point` $zero_point^)? attr-dict `:` type($input)
    `,` type($scale) (`,` type($zero_point)^)? `->` type($output)
  }];
  let extraClassDeclaration = [{
    /// The clamp range, defaulted from the storage type when not given.
    int64_t getQuantMin();
    int64_t getQuantMax();
  }];
  let hasVerifier = 1;
  // Quantizing a constant (a weight) folds to an integer constant.
  let hasFolder = 1;
}

def QuantC_DequantizeOp : QuantC_Op<"dequantize", [Pure]> {
  let summary = "integer to float: (q - zero_point) * scale";
  let description = [{
    Dequantizes an integer tensor (i8 storage or i32 accumulators) with a
    broadcast-shaped scale.

    ```mlir
    %x = quantc.dequantize %q, %s : tensor<4x8xi8>, tensor<1x8xf32> -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins QuantC_StorageTensor:$input, QuantC_FloatTensor:$scale,
                       Optional<QuantC_IntTensor>:$zero_point);
  let results = (outs QuantC_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale (`zero_point` $zero_point^)? attr-dict `:` type($input)
    `,` type($scale) (`,` type($zero_point)^)? `->` type($output)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// compute_scale
//===----------------------------------------------------------------------===//

def QuantC_ComputeScaleOp : QuantC_Op<"compute_scale", [Pure]> {
  let summary = "dynamic absmax scale over the given dimensions";
  let description = [{
    `scale = max(|x|) / qmax` reduced over `dims`, which are kept with size 1.
    A slice whose values are all zero gets scale 1 (so that quantize never
    divides by zero), one whose quotient underflows to 0 in the result type
    (f16 values below qmax x 2^-24) the type's smallest positive value.
    `qmax` must be finite in the result type (f16: at most 65504).
    Per-token activation scales of `x: [N, C]` are `dims = [1]`.

    ```mlir
    %s = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<4x8xf32> -> tensor<4x1xf32>
    ```
  }];
  let arguments = (ins QuantC_FloatTensor:$input, DenseI64ArrayAttr:$dims,
                       DefaultValuedAttr<I64Attr, "127">:$qmax);
  let results = (outs QuantC_FloatTensor:$scale);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($scale)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// matmul / rescale
//===----------------------------------------------------------------------===//

def QuantC_MatmulOp : QuantC_Op<"matmul", [Pure, AttrSizedOperandSegments]> {
  let summary = "integer GEMM: [..., N, C] x [..., D, C] -> [..., N, D] i32";
  let description = [{
    `Y[n, d] = sum_c X[n, c] * W[d, c]` with sign-extended integer operands
    and an i32 accumulator. By default the weight is in the transposed ("TN",
    K-major) layout every int8 Tensor Core and VNNI kernel wants; the
    operands' layouts are attributes, so a transpose is folded into the
    operand access rather than materialized:

    - `transpose_lhs`: the lhs is stored `[..., C, N]` (reduction first);
    - `transpose_rhs`: the rhs is stored `[..., C, D]` ("NN", as attention's
      V or a `[K, N]` weight).

    Leading batch dimensions of the lhs and the result must match. The rhs
    has the same batch dimensions, or none: a rank-2 rhs is broadcast over
    the batch (one weight shared by every batch). `getIndexingMaps` is the
    one definition of this layout (loops: batch..., n, d, c).

    Zero points (asymmetric quantization) are optional i32 operands shaped
    over the result: `lhs_zero_point` may vary along the batch and the rows
    (size 1 along the columns), `rhs_zero_point` along the batch and the
    columns (size 1 along the rows). With them the op computes
    `Y[n, d] = sum_c (X[n, c] - zx[n]) * (W[d, c] - zw[d])`, exact modulo
    2^32; a constant zero point must lie in the operand's storage range.
    Kernels fold the terms `- zx * sum_c W - zw * sum_c X + C * zx * zw`
    into their compensation and epilogue; `expandZeroPoints`
    (KernelLayout.h) is the one decomposition into a plain GEMM and an i32
    correction for a kernel that does not take them.

    FP8 (W8A8 E4M3): both operands `f8E4M3FN`, the result `f32` (the
    products are exact in f32; the order of the f32 accumulation is the
    kernel's, so results agree with a reference to rounding, not bit for
    bit); no zero points.

    ```mlir
    %acc = quantc.matmul %xq, %wq : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
    %f = quantc.matmul %xf, %wf : tensor<4x32xf8E4M3FN>, tensor<16x32xf8E4M3FN> -> tensor<4x16xf32>
    %s = quantc.matmul %p, %v {transpose_rhs}
        : tensor<32x1x128xi8>, tensor<32x128x64xi8> -> tensor<32x1x64xi32>
    %z = quantc.matmul %xq, %wq lhs_zero_point(%zx : tensor<1x1xi32>)
        : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
    ```
  }];
  let arguments = (ins QuantC_StorageTensor:$lhs, QuantC_StorageTensor:$rhs,
                       Optional<RankedTensorOf<[I32]>>:$lhs_zero_point,
                       Optional<RankedTensorOf<[I32]>>:$rhs_zero_point,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs RankedTensorOf<[I32, F32]>:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs
    (`lhs_zero_point` `(` $lhs_zero_point^ `:` type($lhs_zero_point) `)`)?
    (`rhs_zero_point` `(` $rhs_zero_point^ `:` type($rhs_zero_point) `)`)?
    attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let builders = [
    // A GEMM without zero points.
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$lhs,
                   "::mlir::Value":$rhs, CArg<"bool", "false">:$transposeLhs,
                   CArg<"bool", "false">:$transposeRhs), [{
      build($_builder, $_state, result, lhs, rhs, ::mlir::Value(),
            ::mlir::Value(), transposeLhs, transposeRhs);
    }]>
  ];
  let extraClassDeclaration = [{
    /// Whether either operand has a zero point.
    bool hasZeroPoints() { return getLhsZeroPoint() || getRhsZeroPoint(); }
    /// The number of batch dimensions (of the lhs and the result).
    int64_t getNumBatchDims() { return getResult().getType().getRank() - 2; }
    /// Whether the rhs is rank 2 and broadcast over the batch dimensions.
    bool isRhsBroadcast() {
      return getNumBatchDims() > 0 && getRhs().getType().getRank() == 2;
    }
    /// The position of the row (N), column (D) and reduction (C) dimension in
    /// each operand's shape.
    unsigned getLhsRowDim();
    unsigned getLhsReductionDim();
    unsigned getRhsColumnDim();
    unsigned getRhsReductionDim();
    /// The indexing maps of lhs, rhs and result over the loops
    /// (batch..., n, d, c), as a linalg.generic computing this op has them.
    ::llvm::SmallVector<::mlir::AffineMap, 3> getIndexingMaps();
    /// The reduction size C (dynamic when both operands' are).
    int64_t getReductionSize() {
      int64_t c = getLhs().getType().getDimSize(getLhsReductionDim());
      return ::mlir::ShapedType::isDynamic(c)
                 ? getRhs().getType().getDimSize(getRhsReductionDim())
                 : c;
    }
  }];
  let hasVerifier = 1;
}

def QuantC_RescaleOp : QuantC_Op<"rescale",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "GEMM epilogue: acc * x_scale[n] * w_scale[d] (+ bias)";
  let description = [{
    Dequantizes an i32 accumulator (or the i64 sum of the partial GEMMs of a
    split reduction, `--quantc-split-k`, or the f32 accumulator of an FP8
    GEMM) with the outer product of the activation
    (row) scale and the weight (column) scale, adds an optional bias over the
    last dimension, applies an optional activation, adds an optional
    `residual` (a float tensor of the accumulator's shape, e.g. a
    transformer's skip connection), and either returns float or requantizes
    to an integer type with `output_scale`:
    `q(act(acc * xs * ws + bias) + residual)`. The activations (one
    definition, `emitActivation`, for every backend): `relu` max(x, 0),
    `gelu` 0.5 x (1 + erf(x / sqrt 2)), `gelu_tanh`
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), `silu` x / (1 + exp(-x)).

    `x_scale` may vary along the rows and `w_scale` along the columns (both
    also along batch dimensions, e.g. one scale per attention head): that is
    the factorisation that lets the sum over the reduction dimension run in
    integers.

    ```mlir
    %y = quantc.rescale %acc, %xs, %ws bias %b {activation = #quantc.activation<relu>}
        : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I32, I64, F32]>:$acc, QuantC_FloatTensor:$x_scale,
                       QuantC_FloatTensor:$w_scale,
                       Optional<QuantC_FloatTensor>:$bias,
                       Optional<QuantC_FloatTensor>:$output_scale,
                       Optional<QuantC_FloatTensor>:$residual,
                       DefaultValuedAttr<QuantC_ActivationAttr,
                           "::quantc::Activation::none">:$activation,
                       OptionalAttr<I64Attr>:$qmin, OptionalAttr<I64Attr>:$qmax);
  let results = (outs RankedTensorOf<[AnyFloat, AnySignlessInteger]>:$result);
  let assemblyFormat = [{
    $acc `,` $x_scale `,` $w_scale (`bias` $bias^)?
    (`output_scale` $output_scale^)? (`residual` $residual^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    int64_t getQuantMin();
    int64_t getQuantMax();
    /// How epilogue operand `v` (x_scale, w_scale, bias, output_scale or
    /// residual) is read over the accumulator: every backend asks this
    /// instead of looking at shapes.
    ::quantc::Broadcast getOperandBroadcast(::mlir::Value v);
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// smooth / observe
//===----------------------------------------------------------------------===//

def QuantC_SmoothOp : QuantC_Op<"smooth", [Pure]> {
  let summary = "SmoothQuant: x / s along the channel (last) dimension";
  let description = [{
    Divides every channel of the activation by its smoothing factor. `s` has
    the rank of `x`, size 1 in every dimension but the last, which equals the
    channel count.

    ```mlir
    %y = quantc.smooth %x, %s : tensor<4x8xf32>, tensor<1x8xf32> -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins QuantC_FloatTensor:$input, QuantC_FloatTensor:$factor);
  let results = (outs QuantC_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $factor attr-dict `:` type($input) `,` type($factor) `->` type($output)
  }];
  let hasVerifier = 1;
}

def QuantC_ObserveOp : QuantC_Op<"observe", [Pure, SameOperandsAndResultType]> {
  let summary = "identity carrying calibration statistics";
  let description = [{
    Returns its input. `absmax` holds the calibrated per-channel maximum of
    `|x|` over the last dimension; the values must be finite and
    non-negative.

    ```mlir
    %y = quantc.observe %x {absmax = dense<[1.0, 80.0]> : tensor<2xf32>} : tensor<4x2xf32>
    ```
  }];
  let arguments = (ins QuantC_FloatTensor:$input, FloatElementsAttr<32>:$absmax);
  let results = (outs QuantC_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Parameters bound at load time
//===----------------------------------------------------------------------===//

def QuantC_ParamOp : QuantC_Op<"param", [Pure]> {
  let summary = "a weight bound when the compiled module is loaded";
  let description = [{
    The value of parameter `index` (named `name`, e.g. the traced module's
    `layers.0.mlp.down.weight_q`), known only when the compiled module is
    loaded: `--quantc-bind-params` makes one of every large `dense_resource`
    constant, without reading its bytes, so that no pass folds, copies or
    packs the weight at compile time. Passes treat it as a run-time operand;
    the x86 lowering packs what its kernels read from it in the module's
    `__quantc_prepare`, once, when the parameters are bound.

    ```mlir
    %w = quantc.param "fc.weight" index 0 : tensor<4096x4096xi8>
    ```
  }];
  let arguments = (ins StrAttr:$name, I64Attr:$index);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$name `index` $index attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Target code generation: typed kernel plans and intrinsic ops
//===----------------------------------------------------------------------===//

include "QuantCX86.td"
include "QuantCGPU.td"

#endif // QUANTC_DIALECT_QUANTC_IR_QUANTCOPS_TD
