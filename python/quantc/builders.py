"""Emit MLIR for linear layers and MLPs from NumPy weights and statistics.

Three forms of the same model `y = act(x·Wᵀ + b)` per layer (W: [D, C]):

* "float": `quantc.observe` (calibration statistics) + float `linalg.matmul`:
  the input of --quantc-smoothquant and --quantc-quantize.
* "qdq": what those passes produce: SmoothQuant as `quantc.smooth` with the
  factor folded into the weight, int8 weights per output channel through
  `quantc.dequantize`, activations through `quantc.quantize`/`dequantize`
  (dynamic per-token or static per-tensor scales), float `linalg.matmul`.
* "int": the fused integer form: `quantc.matmul` (i8 x i8 -> i32) and the
  `quantc.rescale` epilogue with bias and activation. Bit-exact against
  `QuantizedLinear.reference` for ReLU / no activation.

    layers = [Linear(w1, b1, "relu", absmax1), Linear(w2, b2, "none", absmax2)]
    ir = mlp_ir(layers, tokens=16, form="float")
    q = quantize_layers(layers, alpha=0.5)
    ir = mlp_ir(q, tokens=16, form="int")
"""
from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import reference
from .smoothquant import smooth_weight, smoothquant_scales

__all__ = ["Linear", "QuantizedLinear", "quantize_layers", "linear_ir", "mlp_ir",
           "mlp_reference"]

_ELEM = {np.dtype(np.float32): "f32", np.dtype(np.int8): "i8", np.dtype(np.int32): "i32"}
_ACTIVATIONS = ("none", "relu", "gelu")


def tensor_type(shape, elem):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elem + ">"


def dense(a):
    """A `dense<...>` attribute holding `a` exactly (raw little-endian hex)."""
    a = np.ascontiguousarray(a)
    ty = tensor_type(a.shape, _ELEM[a.dtype])
    return f'dense<"0x{a.tobytes().hex().upper()}"> : {ty}'


@dataclass
class Linear:
    """`act(x·Wᵀ + b)`; `act_absmax` ([C]) is the calibrated max |x| per
    input channel (e.g. AbsMaxObserver.absmax)."""
    weight: np.ndarray
    bias: Optional[np.ndarray] = None
    activation: str = "none"
    act_absmax: Optional[np.ndarray] = None

    def __post_init__(self):
        self.weight = np.asarray(self.weight, np.float32)
        if self.weight.ndim != 2:
            raise ValueError(f"weight must be [D, C], got {self.weight.shape}")
        if not np.all(np.isfinite(self.weight)):
            raise ValueError("weight contains NaN or infinity")
        d, c = self.weight.shape
        if self.bias is not None:
            self.bias = np.asarray(self.bias, np.float32)
            if self.bias.shape != (d,):
                raise ValueError(f"bias must be [{d}], got {self.bias.shape}")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {_ACTIVATIONS}, got {self.activation!r}")
        if self.act_absmax is not None:
            self.act_absmax = np.asarray(self.act_absmax, np.float32)
            if self.act_absmax.shape != (c,):
                raise ValueError(f"act_absmax must be [{c}], got {self.act_absmax.shape}")
            if not np.all(np.isfinite(self.act_absmax)) or np.any(self.act_absmax < 0):
                raise ValueError("act_absmax must be finite and non-negative")

    @property
    def shape(self):
        return self.weight.shape

    def reference(self, x):
        """The float layer in NumPy (float32)."""
        y = (np.asarray(x, np.float32) @ self.weight.T).astype(np.float32)
        return _epilogue(y, self.bias, self.activation)


def _epilogue(y, bias, activation):
    if bias is not None:
        y = (y + bias[None, :]).astype(np.float32)
    if activation == "relu":
        y = np.maximum(y, np.float32(0))
    elif activation == "gelu":
        y = reference.gelu(y)
    return y


@dataclass
class QuantizedLinear:
    """A W8A8 layer: optional SmoothQuant factor `smooth` ([C]), int8 weight
    `wq` ([D, C], already smoothed) with per-output-channel scales `w_scale`
    ([D]), and activation scales per token (dynamic, `act_scale` None) or
    per tensor (static `act_scale`)."""
    wq: np.ndarray
    w_scale: np.ndarray
    bias: Optional[np.ndarray]
    activation: str
    smooth: Optional[np.ndarray]
    act_scale: Optional[np.float32]

    @property
    def shape(self):
        return self.wq.shape

    def _quantize_input(self, x):
        x = np.asarray(x, np.float32)
        if self.smooth is not None:
            x = (x / self.smooth[None, :]).astype(np.float32)
        if self.act_scale is None:
            xs = reference.absmax_scale(x, axis=(1,))
        else:
            xs = np.full((1, 1), self.act_scale, np.float32)
        return reference.quantize(x, xs), xs

    def reference(self, x, form="int"):
        """NumPy simulation of the compiled layer: bit-exact for the "int"
        form (ReLU / none), float32-close for "qdq"."""
        xq, xs = self._quantize_input(x)
        if form == "int":
            acc = reference.int_matmul(xq, self.wq)
            b = None if self.bias is None else self.bias[None, :]
            return reference.rescale(acc, xs, self.w_scale[None, :], bias=b,
                                     activation=self.activation)
        xd = reference.dequantize(xq, xs)
        wd = reference.dequantize(self.wq, self.w_scale[:, None])
        return _epilogue((xd @ wd.T).astype(np.float32), self.bias, self.activation)


def quantize_layers(layers, alpha=None, activations="per-token"):
    """W8A8 versions of `layers`: SmoothQuant with `alpha` (None: no
    smoothing; needs `act_absmax`), weights per output channel, activations
    `per-token` (dynamic) or `per-tensor` (static, from `act_absmax`)."""
    if activations not in ("per-token", "per-tensor"):
        raise ValueError(f"activations must be per-token or per-tensor, got {activations!r}")
    out = []
    for i, layer in enumerate(layers):
        w, s, absmax = layer.weight, None, layer.act_absmax
        if (alpha is not None or activations == "per-tensor") and absmax is None:
            raise ValueError(f"layer {i}: smoothing and static activation scales "
                             "need calibration statistics (act_absmax)")
        if alpha is not None:
            s = smoothquant_scales(absmax, w, alpha)
            w = smooth_weight(w, s)
            absmax = (absmax / s).astype(np.float32)
        ws = reference.absmax_scale(w, axis=(1,))  # [D, 1]
        wq = reference.quantize(w, ws)
        act_scale = None
        if activations == "per-tensor":
            act_scale = reference.absmax_scale(absmax).reshape(())
        out.append(QuantizedLinear(wq, ws.reshape(-1), layer.bias, layer.activation, s,
                                   act_scale))
    return out


class _Emitter:
    def __init__(self):
        self.lines, self.count = [], 0

    def fresh(self, base):
        self.count += 1
        return f"%{base}{self.count}"

    def emit(self, text):
        self.lines.append("    " + text)

    def const(self, a, base="cst"):
        name = self.fresh(base)
        self.emit(f"{name} = arith.constant {dense(a)}")
        return name

    def empty(self, shape):
        name = self.fresh("empty")
        self.emit(f"{name} = tensor.empty() : {tensor_type(shape, 'f32')}")
        return name

    def epilogue(self, y, shape, bias, activation):
        """Bias add and activation as one elementwise linalg.generic."""
        if bias is None and activation == "none":
            return y
        ty = tensor_type(shape, "f32")
        ins, types, args = [y], [ty], ["%a"]
        maps = ["affine_map<(d0, d1) -> (d0, d1)>"]
        if bias is not None:
            ins.append(self.const(bias, "bias"))
            types.append(tensor_type(bias.shape, "f32"))
            args.append("%b")
            maps.append("affine_map<(d0, d1) -> (d1)>")
        maps.append("affine_map<(d0, d1) -> (d0, d1)>")
        out = self.fresh("y")
        init = self.empty(shape)
        body = []
        v = "%a"
        if bias is not None:
            body.append("%s = arith.addf %a, %b : f32")
            v = "%s"
        if activation == "relu":
            body += ["%zero = arith.constant 0.0 : f32",
                     f"%r = arith.maximumf {v}, %zero : f32"]
            v = "%r"
        elif activation == "gelu":
            body += ["%half = arith.constant 0.5 : f32",
                     "%one = arith.constant 1.0 : f32",
                     "%sqrt2 = arith.constant 1.41421356 : f32",
                     f"%t = arith.divf {v}, %sqrt2 : f32",
                     "%e = math.erf %t : f32",
                     "%u = arith.addf %one, %e : f32",
                     f"%h = arith.mulf %half, {v} : f32",
                     "%r = arith.mulf %h, %u : f32"]
            v = "%r"
        block_args = ", ".join(f"{a}: f32" for a in args + ["%o"])
        self.emit(f"{out} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
                  f'iterator_types = ["parallel", "parallel"]}} '
                  f"ins({', '.join(ins)} : {', '.join(types)}) outs({init} : {ty}) {{")
        self.emit(f"^bb0({block_args}):")
        for line in body:
            self.emit("  " + line)
        self.emit(f"  linalg.yield {v} : f32")
        self.emit(f"}} -> {ty}")
        return out

    def matmul_f32(self, x, w_t, n, c, d):
        """x [N, C] times w_t [C, D] in float (zero-filled init)."""
        zero = self.fresh("zero")
        self.emit(f"{zero} = arith.constant 0.0 : f32")
        init = self.empty((n, d))
        fill = self.fresh("fill")
        out_ty = tensor_type((n, d), "f32")
        self.emit(f"{fill} = linalg.fill ins({zero} : f32) outs({init} : {out_ty}) -> {out_ty}")
        y = self.fresh("mm")
        self.emit(f"{y} = linalg.matmul ins({x}, {w_t} : {tensor_type((n, c), 'f32')}, "
                  f"{tensor_type((c, d), 'f32')}) outs({fill} : {out_ty}) -> {out_ty}")
        return y

    def float_layer(self, x, n, layer):
        d, c = layer.shape
        if layer.act_absmax is not None:
            o = self.fresh("obs")
            self.emit(f"{o} = quantc.observe {x} {{absmax = {dense(layer.act_absmax)}}} "
                      f": {tensor_type((n, c), 'f32')}")
            x = o
        w_t = self.const(np.ascontiguousarray(layer.weight.T), "w")
        y = self.matmul_f32(x, w_t, n, c, d)
        return self.epilogue(y, (n, d), layer.bias, layer.activation)

    def quantized_layer(self, x, n, layer, form):
        d, c = layer.shape
        xty = tensor_type((n, c), "f32")
        if layer.smooth is not None:
            s = self.const(layer.smooth.reshape(1, c), "smooth")
            xs_ = self.fresh("xs")
            self.emit(f"{xs_} = quantc.smooth {x}, {s} : {xty}, "
                      f"{tensor_type((1, c), 'f32')} -> {xty}")
            x = xs_
        if layer.act_scale is None:
            sty = tensor_type((n, 1), "f32")
            scale = self.fresh("xscale")
            self.emit(f"{scale} = quantc.compute_scale {x} {{dims = array<i64: 1>}} "
                      f": {xty} -> {sty}")
        else:
            sty = tensor_type((1, 1), "f32")
            scale = self.const(np.full((1, 1), layer.act_scale, np.float32), "xscale")
        xq = self.fresh("xq")
        qty = tensor_type((n, c), "i8")
        self.emit(f"{xq} = quantc.quantize {x}, {scale} : {xty}, {sty} -> {qty}")
        if form == "int":
            wq = self.const(layer.wq, "wq")
            ws = self.const(layer.w_scale.reshape(1, d), "wscale")
            acc = self.fresh("acc")
            accty = tensor_type((n, d), "i32")
            self.emit(f"{acc} = quantc.matmul {xq}, {wq} : {qty}, "
                      f"{tensor_type((d, c), 'i8')} -> {accty}")
            operands = f"{acc}, {scale}, {ws}"
            types = [accty, sty, tensor_type((1, d), "f32")]
            if layer.bias is not None:
                operands += " bias " + self.const(layer.bias.reshape(1, d), "bias")
                types.append(tensor_type((1, d), "f32"))
            attrs = ""
            if layer.activation != "none":
                attrs = f" {{activation = #quantc.activation<{layer.activation}>}}"
            y = self.fresh("y")
            self.emit(f"{y} = quantc.rescale {operands}{attrs} : ({', '.join(types)}) "
                      f"-> {tensor_type((n, d), 'f32')}")
            return y
        # QDQ: float matmul of dequantized operands (weight in [C, D] layout).
        xd = self.fresh("xd")
        self.emit(f"{xd} = quantc.dequantize {xq}, {scale} : {qty}, {sty} -> {xty}")
        wq = self.const(np.ascontiguousarray(layer.wq.T), "wq")
        ws = self.const(layer.w_scale.reshape(1, d), "wscale")
        wd = self.fresh("wd")
        self.emit(f"{wd} = quantc.dequantize {wq}, {ws} : {tensor_type((c, d), 'i8')}, "
                  f"{tensor_type((1, d), 'f32')} -> {tensor_type((c, d), 'f32')}")
        y = self.matmul_f32(xd, wd, n, c, d)
        return self.epilogue(y, (n, d), layer.bias, layer.activation)


def mlp_ir(layers, tokens, form=None, name="forward"):
    """`func.func @name(%x: tensor<tokens x C x f32>) -> tensor<tokens x D x f32>`
    chaining `layers` (all Linear: form "float"; all QuantizedLinear: form
    "qdq" (default) or "int")."""
    layers = list(layers)
    if not layers:
        raise ValueError("mlp_ir needs at least one layer")
    quantized = isinstance(layers[0], QuantizedLinear)
    if any(isinstance(layer, QuantizedLinear) != quantized for layer in layers):
        raise ValueError("mix of float and quantized layers")
    form = form or ("qdq" if quantized else "float")
    if form not in ("float", "qdq", "int"):
        raise ValueError(f"form must be float, qdq or int, got {form!r}")
    if quantized == (form == "float"):
        raise ValueError(f"form {form!r} needs {'float Linear' if form == 'float' else 'QuantizedLinear'}"
                         " layers (see quantize_layers)")
    n = int(tokens)
    if n <= 0:
        raise ValueError(f"tokens must be positive, got {tokens}")
    for a, b in zip(layers, layers[1:]):
        if a.shape[0] != b.shape[1]:
            raise ValueError(f"layer output {a.shape[0]} does not match next input {b.shape[1]}")
    em = _Emitter()
    c_in, d_out = layers[0].shape[1], layers[-1].shape[0]
    x = "%x"
    for layer in layers:
        x = em.float_layer(x, n, layer) if form == "float" else em.quantized_layer(x, n, layer, form)
    head = (f"func.func @{name}(%x: {tensor_type((n, c_in), 'f32')}) -> "
            f"{tensor_type((n, d_out), 'f32')} {{")
    tail = f"    return {x} : {tensor_type((n, d_out), 'f32')}\n}}"
    return "\n".join([head] + em.lines + [tail]) + "\n"


def linear_ir(weight, bias=None, *, tokens, act_absmax=None, activation="none",
              form="float", alpha=None, activations="per-token", name="forward"):
    """One layer; see mlp_ir. For "qdq"/"int" the layer is quantized here
    (quantize_layers with `alpha` and `activations`)."""
    layer = Linear(weight, bias, activation, act_absmax)
    layers = [layer] if form == "float" else quantize_layers([layer], alpha, activations)
    return mlp_ir(layers, tokens, form, name)


def mlp_reference(layers, x, form="int"):
    """NumPy forward pass through Linear / QuantizedLinear layers."""
    x = np.asarray(x, np.float32)
    for layer in layers:
        x = layer.reference(x) if isinstance(layer, Linear) else layer.reference(x, form)
    return x
