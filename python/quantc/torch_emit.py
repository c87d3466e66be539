"""ATen graph -> MLIR text (linalg on tensors + arith/math/tensor), the second
half of the PyTorch frontend (frontend_torch.py).

Values whose inputs are all constants (parameters, buffers and what is
computed from them only: transposed weights, slices of mask buffers, RoPE
tables) are folded with PyTorch at trace time and enter the IR as constants.
A GEMM `mm`/`addmm` whose right operand is such a constant is a *layer*: a
`linalg.matmul` with the constant `[C, D]` weight, tagged
`quantc.layer = "<name>"` (the weight parameter's qualified name without
`.weight`); the other GEMMs (attention) are float `linalg.batch_matmul` /
`linalg.matmul` marked `quantc.keep_float`.

`emit(graph, ...)` options:
* `observe`: activation node name -> absmax ([C]): a `quantc.observe` on the
  GEMM input (one per value, shared by every layer reading it).
* `keep_float`: layer names whose matmul gets `quantc.keep_float`.
* `extra_outputs`: activation node names returned after the outputs,
  flattened to [N, C] (calibration).

Constants from the graph (weights, biases, norm gammas, mask and RoPE
buffers) enter the IR as `dense_resource<name>` (the parameter's qualified
name, e.g. `layers.0.q.weight`, or that of a constant derived from it, e.g.
`layers.0.q.weight.t`): `emit` returns the text and the NumPy arrays for
those names, bound to the parsed module without going through text
(compiler.Module). Bool buffers (masks) travel as i8 blobs compared with 0.
"""
import math
import re
import struct

import numpy as np

from .torch_trace import SymDim, dim_at, is_dynamic, root_name
from .torch_trace import target_name as _target_name

__all__ = ["UnsupportedOpError", "Layer", "analyze", "emit", "token_limit"]


class UnsupportedOpError(NotImplementedError):
    """An ATen op (or a use of one) the frontend cannot translate."""


_ELEM = {"torch.float32": "f32", "torch.int64": "i64", "torch.bool": "i1", "torch.int8": "i8"}


def _f32_hex(v):
    return "0x%08X" % struct.unpack("<I", struct.pack("<f", float(v)))[0]


def tensor_type(shape, elem):
    return "tensor<" + "".join("?x" if isinstance(d, SymDim) else f"{d}x" for d in shape) + \
        elem + ">"


def _prod(dims):
    """The product of dimensions (ints and SymDims)."""
    p = 1
    for d in dims:
        p = d * p
    return p


def dense_attr(a):
    """`dense<...>` holding `a` exactly."""
    a = np.ascontiguousarray(a)
    if a.dtype == np.bool_:  # (masks: small) nested literal lists
        body = np.array2string(a, separator=", ", threshold=a.size + 1)
        body = body.replace("True", "true").replace("False", "false")
        return f"dense<{body}> : {tensor_type(a.shape, 'i1')}"
    elem = {np.dtype(np.float32): "f32", np.dtype(np.int64): "i64",
            np.dtype(np.int8): "i8", np.dtype(np.int32): "i32"}[a.dtype]
    if a.size == 0:
        return f"dense<> : {tensor_type(a.shape, elem)}"
    return f'dense<"0x{a.astype(a.dtype.newbyteorder("<")).tobytes().hex().upper()}"> : ' \
        f"{tensor_type(a.shape, elem)}"


class Layer:
    """A GEMM with a constant weight: `name`, the activation node feeding
    it, the weight `[D, C]` as the layer computes `x·Wᵀ`, and the module
    path it came from. `kind` "conv": a 1-D or 2-D convolution
    (aten.convolution, NCL or NCHW), its weight the parameter `[F, C/groups, KH, KW]` flattened to
    `[F, C/groups·KH·KW]` (for the report: the implicit GEMM reads K as
    KH, KW, C); its activation is quantized per image (W8A8 only)."""

    def __init__(self, name, node, act, weight, module, param, kind="gemm"):
        self.name, self.node, self.act = name, node, act
        self.weight, self.module, self.param = weight, module, param
        self.kind = kind

    @property
    def shape(self):
        return self.weight.shape


# ATen ops that make a tensor from their arguments alone, deterministically.
_FACTORIES = {"ones", "zeros", "full", "arange", "scalar_tensor", "eye", "linspace"}


def pair(v):
    """A 2-D window parameter as ATen reads it: an int or a one-element list
    for both spatial dimensions, else the two values."""
    if not isinstance(v, (list, tuple)):
        return [v, v]
    return list(v) * 2 if len(v) == 1 else list(v)


def conv_layout(graph, node):
    """(stride, padding, dilation, depthwise) of an aten.convolution the
    frontend translates (2-D, not transposed, groups 1 or depthwise, a
    constant [F, C/groups, KH, KW] weight, static channels and image size),
    else None (the handler raises UnsupportedOpError naming the reason)."""
    return _conv_check(graph, node)[0]


def _conv_check(graph, node):
    a = list(node.args) + [None] * (9 - len(node.args))
    x, w, _, stride, padding, dilation, transposed, _, groups = a[:9]
    xs = graph.shape(x.name)
    if transposed:
        return None, "a transposed convolution"
    if len(xs) not in (3, 4):
        return None, (f"a {len(xs) - 2}-D convolution (only 1-D and 2-D: an input "
                      "[N, C, L] or [N, C, H, W])")
    if any(isinstance(d, SymDim) for d in xs[1:]):
        return None, "a dynamic channel count or image size (only the batch may vary)"
    ws = tuple(graph.values[w.name].shape)
    c = xs[1]
    depthwise = groups == c and ws[0] == c and ws[1] == 1 and groups > 1
    if groups != 1 and not depthwise:
        return None, (f"groups={groups} (only 1, or a depthwise convolution: groups = "
                      "input channels = output channels)")
    if len(xs) == 3:  # 1-D: a 2-D convolution over an image of height 1
        if not all(isinstance(v, (list, tuple)) and len(v) == 1
                   for v in (padding, stride, dilation)):
            return None, f"padding {padding!r}, stride {stride!r}, dilation {dilation!r}"
        padding, stride, dilation = [0, *padding], [1, *stride], [1, *dilation]
    padding, stride, dilation = pair(padding), pair(stride), pair(dilation)
    if not (len(padding) == len(stride) == len(dilation) == 2
            and all(isinstance(v, int) for v in padding + stride + dilation)
            and min(padding) >= 0 and min(stride + dilation) > 0):
        return None, f"padding {padding!r}, stride {stride!r}, dilation {dilation!r}"
    return (tuple(stride), tuple(padding), tuple(dilation), depthwise), None


def analyze(graph):
    """Constant nodes, live nodes and the layers of `graph`."""
    import torch
    import torch.fx

    consts = set()
    for node in graph.gm.graph.nodes:
        if node.op == "get_attr":
            consts.add(node.name)
        elif node.op == "call_function":
            ins = [a for a in node.all_input_nodes]
            if graph.dynamic(node.name):
                continue
            # (A factory op, torch.ones(8) or torch.arange(4), is a constant
            # too: its value at tracing is its value.)
            if (all(a.name in consts for a in ins) if ins
                    else _target_name(node.target).partition(".")[0] in _FACTORIES):
                consts.add(node.name)
    layers, names = [], {}
    for node in graph.gm.graph.nodes:
        if node.op != "call_function" or node.name in consts:
            continue
        t = _target_name(node.target)
        if t not in ("mm.default", "addmm.default", "convolution.default"):
            continue
        x, w = ((node.args[1], node.args[2]) if t == "addmm.default"
                else (node.args[0], node.args[1]))
        if not (isinstance(w, torch.fx.Node) and w.name in consts) or x.name in consts:
            continue
        kind = "gemm"
        if t == "convolution.default":
            if conv_layout(graph, node) is None:
                continue  # the handler says why
            kind = "conv"
            f = graph.values[w.name].shape[0]
            wt = np.asarray(graph.values[w.name].detach().reshape(f, -1).numpy(),
                            np.float32).T
        else:
            # [C, D]; for nn.Linear the transposed view of the [D, C]
            # parameter, so Layer.weight below is the parameter's memory.
            wt = np.asarray(graph.values[w.name].detach().numpy(), np.float32)
        # The parameter the weight came from, through t/view/clone.
        src = w
        while src.op == "call_function" and len(src.all_input_nodes) == 1:
            src = src.all_input_nodes[0]
        param = graph.param_of.get(src.name) if src.op == "get_attr" else None
        module = graph.module_of.get(node.name, "")
        if param is not None:
            name = param[:-len(".weight")] if param.endswith(".weight") else param
        else:
            name = root_name(module)
        base, i = name, 1
        while name in names:
            i += 1
            name = f"{base}#{i}"
        names[name] = True
        layers.append(Layer(name, node.name, x.name, np.ascontiguousarray(wt.T), module, param,
                            kind))
    kinds = {}
    for layer in layers:
        if kinds.setdefault(layer.act, layer.kind) != layer.kind:
            raise UnsupportedOpError(
                f"the value {layer.act} feeds both a convolution and a matmul: its "
                "calibration statistics would be per channel of two different layouts")
    live = set()
    out = [n for n in graph.gm.graph.nodes if n.op == "output"][0]
    work = [out]
    while work:
        n = work.pop()
        if n.name in live:
            continue
        live.add(n.name)
        work.extend(n.all_input_nodes)
    return consts, live, layers


class _Val:
    __slots__ = ("ssa", "shape", "elem")

    def __init__(self, ssa, shape, elem):
        self.ssa, self.shape, self.elem = ssa, tuple(shape), elem

    @property
    def type(self):
        return tensor_type(self.shape, self.elem)


class _Emitter:
    def __init__(self):
        self.lines, self.count = [], 0
        self.blobs = {}  # resource name -> C-contiguous NumPy array
        self.ntok = None  # the token count N as an index SSA value (dynamic shapes)
        self.sizes = {}   # SymDim -> its index SSA value

    def size(self, d):
        """A dimension as a `tensor` op size: the int, or an index SSA value."""
        if not isinstance(d, SymDim):
            return str(d)
        if d not in self.sizes:
            v = self.ntok
            for _ in range(d.power - 1):
                w = self.fresh("n")
                self.emit(f"{w} = arith.muli {v}, {self.ntok} : index")
                v = w
            if d.coef != 1:
                c, w = self.fresh("c"), self.fresh("n")
                self.emit(f"{c} = arith.constant {d.coef} : index")
                self.emit(f"{w} = arith.muli {v}, {c} : index")
                v = w
            self.sizes[d] = v
        return self.sizes[d]

    def dyn_sizes(self, shape):
        return [self.size(d) for d in shape if isinstance(d, SymDim)]

    def fresh(self, base="v"):
        self.count += 1
        return f"%{base}{self.count}"

    def emit(self, text):
        self.lines.append("    " + text)

    # -- building blocks ---------------------------------------------------
    def const(self, a, base="cst"):
        a = np.asarray(a)
        if a.dtype == np.float64:
            a = a.astype(np.float32)
        if a.dtype == np.int32:
            a = a.astype(np.int64)
        name = self.fresh(base)
        self.emit(f"{name} = arith.constant {dense_attr(a)}")
        elem = {np.dtype(np.float32): "f32", np.dtype(np.int64): "i64",
                np.dtype(np.bool_): "i1", np.dtype(np.int8): "i8"}[a.dtype]
        return _Val(name, a.shape, elem)

    def resource(self, a, key):
        """An `arith.constant dense_resource<key>` holding `a` (a model
        constant: its bytes are bound as a blob, never printed)."""
        a = np.asarray(a)
        if a.dtype == np.float64:
            a = a.astype(np.float32)
        if a.dtype == np.int32:
            a = a.astype(np.int64)
        key = re.sub(r"[^A-Za-z0-9_.]", "_", key) or "cst"
        unique, i = key, 0
        while unique in self.blobs:
            i += 1
            unique = f"{key}_{i}"
        if a.dtype == np.bool_:
            # i1 blobs do not lower to LLVM: bytes, then `!= 0`.
            self.blobs[unique] = np.ascontiguousarray(a.astype(np.int8))
            raw, zero, name = self.fresh("mask"), self.fresh("zero"), self.fresh("cst")
            self.emit(f'{raw} = arith.constant dense_resource<"{unique}"> : '
                      f"{tensor_type(a.shape, 'i8')}")
            self.emit(f"{zero} = arith.constant dense<0> : {tensor_type(a.shape, 'i8')}")
            self.emit(f"{name} = arith.cmpi ne, {raw}, {zero} : {tensor_type(a.shape, 'i8')}")
            return _Val(name, a.shape, "i1")
        elem = {np.dtype(np.float32): "f32", np.dtype(np.int64): "i64",
                np.dtype(np.int8): "i8"}[a.dtype]
        self.blobs[unique] = np.ascontiguousarray(a)
        name = self.fresh("w" if a.ndim == 2 else "cst")
        self.emit(f'{name} = arith.constant dense_resource<"{unique}"> : '
                  f"{tensor_type(a.shape, elem)}")
        return _Val(name, a.shape, elem)

    def empty(self, shape, elem="f32"):
        name = self.fresh("empty")
        self.emit(f"{name} = tensor.empty({', '.join(self.dyn_sizes(shape))}) : "
                  f"{tensor_type(shape, elem)}")
        return name

    def filled(self, shape, value, elem="f32"):
        init = self.empty(shape, elem)
        c = self.fresh("c")
        lit = _f32_hex(value) if elem == "f32" else str(int(value))
        self.emit(f"{c} = arith.constant {lit} : {elem}")
        out = self.fresh("fill")
        ty = tensor_type(shape, elem)
        self.emit(f"{out} = linalg.fill ins({c} : {elem}) outs({init} : {ty}) -> {ty}")
        return out

    def elementwise(self, shape, operands, body, elem="f32"):
        """One all-parallel linalg.generic over `shape` (NumPy broadcasting of
        the operands); `body(args, b)` returns the yielded SSA name, `b` a
        _Body to emit scalar ops into."""
        shape = tuple(shape)
        r = len(shape)
        dims = ", ".join(f"d{i}" for i in range(r))
        maps, ins, types, args = [], [], [], []
        for i, v in enumerate(operands):
            k = len(v.shape)
            exprs = []
            for j, s in enumerate(v.shape):
                o = r - k + j
                exprs.append("0" if s == 1 and shape[o] != 1 else f"d{o}")
            maps.append(f"affine_map<({dims}) -> ({', '.join(exprs)})>")
            ins.append(v.ssa)
            types.append(v.type)
            args.append(f"%in{i}")
        maps.append(f"affine_map<({dims}) -> ({dims})>")
        init = self.empty(shape, elem)
        b = _Body()
        y = body(args, b)
        out = self.fresh("ew")
        ty = tensor_type(shape, elem)
        iters = ", ".join(['"parallel"'] * r)
        block_args = ", ".join([f"{a}: {v.elem}" for a, v in zip(args, operands)] +
                               [f"%out: {elem}"])
        ins_txt = f"ins({', '.join(ins)} : {', '.join(types)}) " if ins else ""
        self.emit(f"{out} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
                  f"iterator_types = [{iters}]}} {ins_txt}outs({init} : {ty}) {{")
        self.emit(f"^bb0({block_args}):")
        for line in b.lines:
            self.emit("  " + line)
        self.emit(f"  linalg.yield {y} : {elem}")
        self.emit(f"}} -> {ty}")
        return _Val(out, shape, elem)

    def reduce(self, x, dims, kind, keepdim):
        """Sum or max of `x` over `dims`."""
        r = len(x.shape)
        dims = sorted(d % r for d in dims)
        kept = [i for i in range(r) if i not in dims]
        out_shape = tuple(x.shape[i] for i in kept)
        init = self.filled(out_shape, 0.0 if kind == "sum" else -math.inf)
        ds = ", ".join(f"d{i}" for i in range(r))
        maps = [f"affine_map<({ds}) -> ({ds})>",
                f"affine_map<({ds}) -> ({', '.join(f'd{i}' for i in kept)})>"]
        iters = ", ".join('"reduction"' if i in dims else '"parallel"' for i in range(r))
        out = self.fresh("red")
        ty = tensor_type(out_shape, "f32")
        op = "arith.addf" if kind == "sum" else "arith.maximumf"
        self.emit(f"{out} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
                  f"iterator_types = [{iters}]}} ins({x.ssa} : {x.type}) "
                  f"outs({init} : {ty}) {{")
        self.emit("^bb0(%in: f32, %acc: f32):")
        self.emit(f"  %r = {op} %in, %acc : f32")
        self.emit("  linalg.yield %r : f32")
        self.emit(f"}} -> {ty}")
        v = _Val(out, out_shape, "f32")
        if keepdim:
            v = self.reshape(v, tuple(1 if i in dims else s for i, s in enumerate(x.shape)))
        return v

    def extract_slice(self, x, offsets, shape, strides=None, base="sl"):
        """tensor.extract_slice of `x` at static `offsets`, sizes `shape`."""
        strides = strides or [1] * len(shape)
        out = self.fresh(base)
        self.emit(f"{out} = tensor.extract_slice {x.ssa}[{', '.join(map(str, offsets))}] "
                  f"[{', '.join(map(self.size, shape))}] [{', '.join(map(str, strides))}] : "
                  f"{x.type} to {tensor_type(shape, x.elem)}")
        return _Val(out, shape, x.elem)

    def reshape(self, x, shape):
        shape = tuple(s if isinstance(s, SymDim) else int(s) for s in shape)
        if shape == x.shape:
            return x
        if len(shape) < len(x.shape):
            groups = _reassociation(shape, x.shape)
            if groups is not None:
                out = self.fresh("col")
                self.emit(f"{out} = tensor.collapse_shape {x.ssa} {_groups(groups)} : "
                          f"{x.type} into {tensor_type(shape, x.elem)}")
                return _Val(out, shape, x.elem)
        elif len(shape) > len(x.shape):
            groups = _reassociation(x.shape, shape)
            if groups is not None:
                out = self.fresh("exp")
                self.emit(f"{out} = tensor.expand_shape {x.ssa} {_groups(groups)} "
                          f"output_shape [{', '.join(map(self.size, shape))}] : "
                          f"{x.type} into {tensor_type(shape, x.elem)}")
                return _Val(out, shape, x.elem)
        flat = self.reshape(x, (_prod(x.shape),)) if len(x.shape) != 1 else x
        return self.reshape(flat, shape)

    def pad(self, x, low, high, value=0.0):
        """`x` padded with `value`: `low` / `high` elements per dimension."""
        if not any(low) and not any(high):
            return x
        shape = tuple(s if isinstance(s, SymDim) else s + lo + hi
                      for s, lo, hi in zip(x.shape, low, high))
        out, zero = self.fresh("pad"), self.fresh("c")
        self.emit(f"{zero} = arith.constant {_f32_hex(value)} : f32")
        idx = ", ".join(f"%i{k}: index" for k in range(len(shape)))
        self.emit(f"{out} = tensor.pad {x.ssa} low[{', '.join(map(str, low))}] "
                  f"high[{', '.join(map(str, high))}] {{")
        self.emit(f"^bb0({idx}):")
        self.emit(f"  tensor.yield {zero} : f32")
        self.emit(f"}} : {x.type} to {tensor_type(shape, x.elem)}")
        return _Val(out, shape, x.elem)

    def conv(self, op, x, w, out_shape, strides, dilations, attrs=""):
        """A linalg convolution `op` (NHWC input) into zeros of `out_shape`."""
        fill = self.filled(out_shape, 0.0)
        out = self.fresh("conv")
        ty = tensor_type(out_shape, "f32")
        a = (f"dilations = dense<[{dilations[0]}, {dilations[1]}]> : tensor<2xi64>, "
             f"strides = dense<[{strides[0]}, {strides[1]}]> : tensor<2xi64>")
        if attrs:
            a += ", " + attrs
        self.emit(f"{out} = {op} {{{a}}} ins({x.ssa}, {w.ssa} : {x.type}, {w.type}) "
                  f"outs({fill} : {ty}) -> {ty}")
        return _Val(out, out_shape, "f32")

    def pool(self, kind, x, window, strides, dilations, nhwc=False):
        """linalg.pooling_{nchw|nhwc}_{kind} ("max" or "sum") of `x` [N, C, H,
        W] (or [N, H, W, C] with `nhwc`) over a `window` (KH, KW), into -inf
        (max) or 0 (sum)."""
        if nhwc:
            n, h, w, c = x.shape
        else:
            n, c, h, w = x.shape
        oh = (h - dilations[0] * (window[0] - 1) - 1) // strides[0] + 1
        ow = (w - dilations[1] * (window[1] - 1) - 1) // strides[1] + 1
        shape = (n, oh, ow, c) if nhwc else (n, c, oh, ow)
        init = self.filled(shape, -math.inf if kind == "max" else 0.0)
        win = self.empty(tuple(window))
        out = self.fresh("pool")
        ty = tensor_type(shape, "f32")
        self.emit(f"{out} = linalg.pooling_{'nhwc' if nhwc else 'nchw'}_{kind} "
                  f"{{dilations = dense<[{dilations[0]}, "
                  f"{dilations[1]}]> : tensor<2xi64>, strides = dense<[{strides[0]}, "
                  f"{strides[1]}]> : tensor<2xi64>}} ins({x.ssa}, {win} : {x.type}, "
                  f"{tensor_type(tuple(window), 'f32')}) outs({init} : {ty}) -> {ty}")
        return _Val(out, shape, "f32")

    def transpose(self, x, perm):
        perm = list(perm)
        if perm == list(range(len(perm))):
            return x
        shape = tuple(x.shape[p] for p in perm)
        init = self.empty(shape, x.elem)
        out = self.fresh("tr")
        ty = tensor_type(shape, x.elem)
        self.emit(f"{out} = linalg.transpose ins({x.ssa} : {x.type}) outs({init} : {ty}) "
                  f"permutation = [{', '.join(map(str, perm))}]")
        return _Val(out, shape, x.elem)

    def qdq(self, x, dims):
        """Dynamic symmetric int8 quantize/dequantize of `x` with its absmax
        scale over `dims` (quantc.compute_scale)."""
        sshape = tuple(1 if i in dims else s for i, s in enumerate(x.shape))
        sty = tensor_type(sshape, "f32")
        scale, q, d = self.fresh("as"), self.fresh("aq"), self.fresh("adq")
        qty = tensor_type(x.shape, "i8")
        self.emit(f"{scale} = quantc.compute_scale {x.ssa} {{dims = array<i64: "
                  f"{', '.join(map(str, dims))}>}} : {x.type} -> {sty}")
        self.emit(f"{q} = quantc.quantize {x.ssa}, {scale} : {x.type}, {sty} -> {qty}")
        self.emit(f"{d} = quantc.dequantize {q}, {scale} : {qty}, {sty} -> {x.type}")
        return _Val(d, x.shape, "f32")

    def matmul(self, a, b, attrs=""):
        """[M, K] x [K, N] or [B, M, K] x [B, K, N] in float."""
        if len(a.shape) == 2:
            shape, op = (a.shape[0], b.shape[-1]), "linalg.matmul"
        else:
            shape, op = (a.shape[0], a.shape[1], b.shape[-1]), "linalg.batch_matmul"
        fill = self.filled(shape, 0.0)
        out = self.fresh("mm")
        ty = tensor_type(shape, "f32")
        attr = f" {{{attrs}}}" if attrs else ""
        self.emit(f"{out} = {op}{attr} ins({a.ssa}, {b.ssa} : {a.type}, {b.type}) "
                  f"outs({fill} : {ty}) -> {ty}")
        return _Val(out, shape, "f32")


class _Body:
    """Scalar ops inside a linalg.generic region."""

    def __init__(self):
        self.lines, self.count = [], 0
        self.blobs = {}  # resource name -> C-contiguous NumPy array

    def op(self, text, ty="f32"):
        self.count += 1
        name = f"%s{self.count}"
        self.lines.append(f"{name} = {text} : {ty}")
        return name

    def f(self, v):
        return self.op(f"arith.constant {_f32_hex(v)}")


def _groups(groups):
    return "[" + ", ".join("[" + ", ".join(map(str, g)) + "]" for g in groups) + "]"


def _reassociation(small, big):
    """Groups of consecutive `big` dims whose products are the `small` dims
    (a pure collapse/expand), or None. SymDims: the groups must hold at two
    token counts (c·N^p products then agree as polynomials in N)."""
    if is_dynamic(small) or is_dynamic(big):
        g = [_reassociation_at([dim_at(d, n) for d in small], [dim_at(d, n) for d in big])
             for n in (1009, 1013)]
        return g[0] if g[0] is not None and g[0] == g[1] else None
    return _reassociation_at(small, big)


def _reassociation_at(small, big):
    if not small:
        return [] if all(b == 1 for b in big) else None
    groups, j = [], 0
    for s in small:
        g, p = [], 1
        while j < len(big):
            g.append(j)
            p *= big[j]
            j += 1
            if p >= s:
                break
        if p != s or not g:
            return None
        groups.append(g)
    while j < len(big):  # trailing unit dims join the last group
        if big[j] != 1:
            return None
        groups[-1].append(j)
        j += 1
    return groups


def _elem_of(value, what):
    import torch
    if not isinstance(value, torch.Tensor):
        raise UnsupportedOpError(f"{what}: produces a {type(value).__name__}, not a tensor")
    e = _ELEM.get(str(value.dtype))
    if e is None:
        raise UnsupportedOpError(f"{what}: element type {value.dtype} is not supported "
                                 "(float32, int64, int8 and bool are)")
    return e


def _dim(d, r):
    return d % r if r else 0


class _Translator:
    def __init__(self, graph, consts, layers, observe, keep_float, extra_outputs, name,
                 int8_attention=False):
        self.g, self.consts = graph, consts
        self.layers = {l.node: l for l in layers}
        self.conv_acts = {l.act for l in layers if l.kind == "conv"}
        # node name -> the node's [N, C, H, W] value in NHWC ([N, H, W, C]):
        # convolutions compute in NHWC, and the elementwise ops, batch norms
        # and pools between them stay in it; their NCHW value is a transpose
        # emitted alongside, which canonicalization removes when unused.
        self.nhwc = {}
        self.observe = observe or {}
        self.keep_float = set(keep_float or ())
        self.extra = list(extra_outputs or ())
        self.name = name
        self.em = _Emitter()
        self.env = {}
        self.observed = {}
        # The kinds of activation GEMMs ("qk", "pv") emitted in int8 (True:
        # both, False: none).
        self.int8_attention = (frozenset(("qk", "pv")) if int8_attention is True
                               else frozenset(int8_attention or ()))
        # node name -> (int8 value, scale value or None) for the float values
        # that are a dequantized int8 tensor (`q.float() * scale`, and views
        # of it): an int8 attention GEMM reads such an operand as it is
        # (quantc.dequantize of the int8 data) instead of re-quantizing it.
        self.dq = {}

    def where(self, node):
        return (f"aten.{_target_name(node.target)} (node {node.name}) in module "
                f"'{root_name(self.g.module_of.get(node.name, ''))}'")

    def value(self, a, node):
        """SSA value for argument `a` of `node` (constants materialised)."""
        import torch.fx
        if not isinstance(a, torch.fx.Node):
            raise UnsupportedOpError(f"{self.where(node)}: expected a tensor operand, got {a!r}")
        if a.name not in self.env:
            v = self.g.values[a.name]
            _elem_of(v, self.where(node))
            # One contiguous array per constant for every emit of this graph
            # (the float, calibration and quantization modules share it; a
            # transposed weight is copied once, a parameter never).
            cache = self.g.__dict__.setdefault("blob_arrays", {})
            if a.name not in cache:
                # torch's blocked copy: ~4x NumPy's for a transposed weight.
                cache[a.name] = v.detach().contiguous().numpy()
            arr = cache[a.name]
            if arr.size == 0:
                self.env[a.name] = self.em.const(arr)
            else:
                self.env[a.name] = self.em.resource(arr, self.const_name(a))
        return self.env[a.name]

    def const_name(self, a):
        """The resource name of graph constant `a`: its parameter's qualified
        name, or that of the parameter it is computed from + its op."""
        import torch.fx
        if a.name in self.g.param_of:
            return self.g.param_of[a.name]
        seen, work = set(), [a]
        while work:
            n = work.pop(0)
            if n.name in self.g.param_of:
                op = (_target_name(a.target).split(".")[0] if a.op == "call_function"
                      else a.name)
                return f"{self.g.param_of[n.name]}.{op}"
            for x in n.all_input_nodes:
                if isinstance(x, torch.fx.Node) and x.name not in seen:
                    seen.add(x.name)
                    work.append(x)
        return a.name

    def activation(self, a, node):
        """The GEMM input `a`, behind a quantc.observe when statistics are given."""
        v = self.value(a, node)
        if a.name in self.observe:
            if a.name not in self.observed:
                absmax = np.asarray(self.observe[a.name], np.float32)
                o = self.em.fresh("obs")
                self.em.emit(f"{o} = quantc.observe {v.ssa} {{absmax = {dense_attr(absmax)}}} "
                             f": {v.type}")
                self.observed[a.name] = _Val(o, v.shape, v.elem)
            return self.observed[a.name]
        return v

    def run(self):
        gm = self.g.gm
        args, results = [], []
        for node in gm.graph.nodes:
            if node.op == "placeholder":
                v = self.g.values[node.name]
                elem = _elem_of(v, f"argument {node.name}")
                ssa = f"%arg{len(args)}"
                val = _Val(ssa, self.g.shape(node.name), elem)
                self.env[node.name] = val
                if self.em.ntok is None and len(args) in self.g.dynamic_args:
                    d = self.g.dynamic_args[len(args)][0]
                    c, n = self.em.fresh("c"), self.em.fresh("ntok")
                    self.em.emit(f"{c} = arith.constant {d} : index")
                    self.em.emit(f"{n} = tensor.dim {ssa}, {c} : {val.type}")
                    self.em.ntok = n
                args.append(val)
            elif node.op == "call_function":
                if node.name in self.consts or node.name not in self.live:
                    continue
                self.env[node.name] = self.translate(node)
            elif node.op == "output":
                outs = node.args[0]
                outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
                for o in outs:
                    results.append(self.value(o, node))
        for name in self.extra:
            v = self.env[name]
            if name in self.conv_acts:  # NCHW / NCL: statistics per channel C
                v = self.nhwc.get(name) or self.em.transpose(
                    v, (0, 2, 3, 1) if len(v.shape) == 4 else (0, 2, 1))
            results.append(self.em.reshape(v, (_prod(v.shape[:-1]), v.shape[-1])))
        head = (f"func.func @{self.name}(" +
                ", ".join(f"{a.ssa}: {a.type}" for a in args) + ") -> (" +
                ", ".join(r.type for r in results) + ") {")
        tail = ("    return " + ", ".join(r.ssa for r in results) + " : " +
                ", ".join(r.type for r in results) + "\n}")
        return "\n".join([head] + self.em.lines + [tail]) + "\n"

    # -- ops ---------------------------------------------------------------
    def scalar_or_value(self, a, node):
        import torch.fx
        if isinstance(a, torch.fx.Node):
            return self.value(a, node)
        if isinstance(a, bool) or not isinstance(a, (int, float)):
            raise UnsupportedOpError(f"{self.where(node)}: unsupported operand {a!r}")
        return float(a)

    def nhwc_result(self, name, y):
        """Records `y` ([N, H, W, C]) as the NHWC value of node `name` (the
        `name#0` of a tuple's first value, which getitem 0 takes); returns
        its NCHW value (a transpose)."""
        self.nhwc[name] = y
        return self.em.transpose(y, (0, 3, 1, 2))

    def nhwc_operands(self, node, args):
        """The NHWC values of `args` (nodes and Python scalars) for an
        elementwise `node` of a 4-D result, when every tensor among them has
        one and the result's shape; else None."""
        import torch.fx
        shape = self.g.shape(node.name)
        if len(shape) != 4:
            return None
        out, any_tensor = [], False
        for x in args:
            if isinstance(x, torch.fx.Node):
                if x.name not in self.nhwc or self.g.shape(x.name) != shape:
                    return None
                out.append(self.nhwc[x.name])
                any_tensor = True
            elif isinstance(x, bool) or not isinstance(x, (int, float)):
                return None
            else:
                out.append(float(x))
        return out if any_tensor else None

    def binary(self, node, fn, out_elem="f32"):
        nhwc = self.nhwc_operands(node, node.args[:2]) if out_elem == "f32" else None
        a = nhwc or [self.scalar_or_value(x, node) for x in node.args[:2]]
        tensors = [x for x in a if isinstance(x, _Val)]
        shape = self.g.shape(node.name)
        if nhwc:
            shape = tensors[0].shape

        def body(args, b):
            it = iter(args)
            ops = [next(it) if isinstance(x, _Val) else b.f(x) for x in a]
            return fn(b, *ops)
        y = self.em.elementwise(shape, tensors, body, out_elem)
        return self.nhwc_result(node.name, y) if nhwc else y

    def unary(self, node, fn):
        nhwc = self.nhwc_operands(node, node.args[:1])
        if nhwc:
            y = self.em.elementwise(nhwc[0].shape, nhwc, lambda args, b: fn(b, args[0]))
            return self.nhwc_result(node.name, y)
        x = self.value(node.args[0], node)
        return self.em.elementwise(x.shape, [x], lambda args, b: fn(b, args[0]))

    def translate(self, node):
        t = _target_name(node.target)
        handler = _HANDLERS.get(t)
        if handler is None:
            raise UnsupportedOpError(f"unsupported op {self.where(node)}: the PyTorch "
                                     "frontend has no translation for it")
        out = self.g.values[node.name]
        if t not in ("getitem", "native_layer_norm.default", "split.Tensor",
                     "split_with_sizes.default", "native_batch_norm.default",
                     "_native_batch_norm_legit_no_training.default",
                     "max_pool2d_with_indices.default"):
            _elem_of(out, self.where(node))
        res = handler(self, node)
        self.track_dequant(node, t)
        return res

    def track_dequant(self, node, t):
        """Records in `self.dq` when `node` is (a view of) a dequantized int8
        tensor: `_to_copy` of int8 to float32, its product with a scale of
        the same rank, and transposes/permutes/same-shape views of that (the
        int8 data and the scale are transposed alike)."""
        import torch.fx
        ins = [a for a in node.args if isinstance(a, torch.fx.Node)]
        if t == "_to_copy.default" and ins and self.env[ins[0].name].elem == "i8" \
                and str(node.kwargs.get("dtype")) == "torch.float32":
            self.dq[node.name] = (self.env[ins[0].name], None)
            return
        if not ins or not any(a.name in self.dq for a in ins):
            return
        if t == "mul.Tensor" and len(ins) == 2:
            x, y = ins if ins[0].name in self.dq else ins[::-1]
            q, scale = self.dq[x.name]
            sv = self.env.get(y.name) or self.value(y, node)
            if scale is None and y.name not in self.dq and sv.elem == "f32" and \
                    len(sv.shape) == len(q.shape) and \
                    all(a == 1 or a == b for a, b in zip(sv.shape, q.shape)) and \
                    self.g.shape(node.name) == q.shape:
                self.dq[node.name] = (q, sv)
            return
        if ins[0].name not in self.dq:
            return
        q, scale = self.dq[ins[0].name]
        if scale is None:
            return
        r = len(q.shape)
        perm = None
        if t == "t.default":
            perm = list(range(r))[::-1]
        elif t == "transpose.int":
            perm = list(range(r))
            a, b = _dim(node.args[1], r), _dim(node.args[2], r)
            perm[a], perm[b] = perm[b], perm[a]
        elif t == "permute.default":
            perm = [_dim(d, r) for d in node.args[1]]
        elif self.g.shape(node.name) == q.shape and t in (
                "clone.default", "detach.default", "alias.default", "expand.default",
                "view.default", "_unsafe_view.default", "reshape.default",
                "_reshape_alias.default"):
            perm = list(range(r))
        if perm is not None:
            self.dq[node.name] = (self.em.transpose(q, perm), self.em.transpose(scale, perm))


def supported_ops():
    """The ATen overloads the frontend translates."""
    return sorted(_HANDLERS)


def emit(graph, consts, live, layers, *, observe=None, keep_float=(), extra_outputs=(),
         name="forward", int8_attention=False):
    """`(text, blobs)`: the MLIR text of `graph` as `func.func @name` (see the
    module doc) and the arrays of its `dense_resource` constants by name."""
    tr = _Translator(graph, consts, layers, observe, keep_float, extra_outputs, name,
                     int8_attention)
    tr.live = live
    return tr.run(), tr.em.blobs


def _live_ops(graph, consts, live, target):
    """The live, non-constant calls of ATen op `target` in program order."""
    for node in graph.gm.graph.nodes:
        if node.op == "call_function" and node.name not in consts and node.name in live \
                and _target_name(node.target) == target:
            yield node


def _slices(graph, consts, live):
    """(node, source shape, result shape, dimension, start, step) of every
    live aten.slice.Tensor."""
    for node in _live_ops(graph, consts, live, "slice.Tensor"):
        src = graph.shape(node.args[0].name)
        d = _dim(node.args[1] if len(node.args) > 1 else 0, len(src))
        start = node.args[2] if len(node.args) > 2 and node.args[2] is not None else 0
        step = node.args[4] if len(node.args) > 4 else 1
        yield node, src, graph.shape(node.name), d, start, step


def _where_in(graph, node, what):
    return (f"{what} (node {node.name}) in module "
            f"'{root_name(graph.module_of.get(node.name, ''))}'")


def token_limit(graph, consts, live):
    """(largest token count, op) for a dynamic model whose slices of fixed-size
    buffers (a causal mask, RoPE tables) bound the token count, else None."""
    best = None
    for node, src, out, d, start, step in _slices(graph, consts, live):
        if not isinstance(out[d], SymDim) or isinstance(src[d], SymDim):
            continue
        start = start + src[d] if start < 0 else start
        n = 0
        while start + (out[d].at(n + 1) - 1) * step + 1 <= src[d]:
            n += 1
        where = (_where_in(graph, node, "aten.slice.Tensor") + f", which reads "
                 f"{src[d]} rows of {graph.param_of.get(node.args[0].name, node.args[0].name)}")
        if best is None or n < best[0]:
            best = (n, where)
    return best


def token_minimum(graph, consts, live):
    """(smallest token count, op) for a dynamic model with a fixed-size slice
    of a token-count dimension (`x[:2]`): it is compiled as a static slice
    (the size both traces showed), so fewer tokens would read past the
    operand, where PyTorch would return fewer rows; else None."""
    best = None
    for node, src, out, d, start, step in _slices(graph, consts, live):
        if isinstance(out[d], SymDim) or not isinstance(src[d], SymDim) or out[d] == 0:
            continue
        rows = start + (out[d] - 1) * step + 1
        n = 1
        while src[d].at(n) < rows:
            n += 1
        where = (_where_in(graph, node, "aten.slice.Tensor") + f", a slice of {out[d]} "
                 "rows of the token dimension (compiled for a fixed size)")
        if best is None or n > best[0]:
            best = (n, where)
    return best


def check_supported(graph, consts, live):
    """Raises UnsupportedOpError for the first op without a translation."""
    for node in graph.gm.graph.nodes:
        if node.op == "call_function" and node.name in live and node.name not in consts:
            t = _target_name(node.target)
            if t not in _HANDLERS:
                raise UnsupportedOpError(
                    f"unsupported op aten.{t} (node {node.name}) in module "
                    f"'{root_name(graph.module_of.get(node.name, ''))}': the PyTorch "
                    "frontend has no translation for it")


# The op translations import this module's helpers: imported last, when they
# are defined.
from .torch_ops import HANDLERS as _HANDLERS  # noqa: E402
