"""The ATen op translations of the PyTorch frontend (torch_emit.py): one
handler per ATen overload, `handler(translator, node)`, registered in
`HANDLERS` by the overload's name. A handler emits the node's value through
the translator (`tr.em`, `tr.value`, `tr.binary`, ...) and returns it; the
translator (torch_emit._Translator) walks the graph and calls them."""
import math

import numpy as np

from .torch_emit import (_ELEM, SymDim, UnsupportedOpError, _conv_check, _Val, _dim,
                         _prod, _target_name, dense_attr, pair, tensor_type)


def _check_alpha(tr, node):
    alpha = node.kwargs.get("alpha", 1)
    if alpha != 1:
        raise UnsupportedOpError(f"{tr.where(node)}: alpha={alpha} is not supported")


def _add(tr, node):
    _check_alpha(tr, node)
    return tr.binary(node, lambda b, x, y: b.op(f"arith.addf {x}, {y}"))


def _sub(tr, node):
    _check_alpha(tr, node)
    return tr.binary(node, lambda b, x, y: b.op(f"arith.subf {x}, {y}"))


def _rsub(tr, node):
    _check_alpha(tr, node)
    return tr.binary(node, lambda b, x, y: b.op(f"arith.subf {y}, {x}"))


def _mul(tr, node):
    return tr.binary(node, lambda b, x, y: b.op(f"arith.mulf {x}, {y}"))


def _div(tr, node):
    if node.kwargs.get("rounding_mode") is not None:
        raise UnsupportedOpError(f"{tr.where(node)}: rounding_mode is not supported")
    return tr.binary(node, lambda b, x, y: b.op(f"arith.divf {x}, {y}"))


def _compare(pred):
    def handler(tr, node):
        return tr.binary(node, lambda b, x, y: b.op(f"arith.cmpf {pred}, {x}, {y}"), "i1")
    return handler


def _pow(tr, node):
    e = node.args[1]
    if not isinstance(e, (int, float)):
        raise UnsupportedOpError(f"{tr.where(node)}: only a constant exponent is supported")
    if e == 2:
        return tr.unary(node, lambda b, x: b.op(f"arith.mulf {x}, {x}"))
    return tr.unary(node, lambda b, x: b.op(f"math.powf {x}, {b.f(e)}"))


def _relu(tr, node):
    return tr.unary(node, lambda b, x: b.op(f"arith.maximumf {x}, {b.f(0.0)}"))


def _leaky_relu(tr, node):
    slope = node.args[1] if len(node.args) > 1 else node.kwargs.get("negative_slope", 0.01)

    def fn(b, x):  # max(x, 0) + slope * min(x, 0): x or slope * x exactly
        pos = b.op(f"arith.maximumf {x}, {b.f(0.0)}")
        neg = b.op(f"arith.mulf {b.op(f'arith.minimumf {x}, {b.f(0.0)}')}, {b.f(slope)}")
        return b.op(f"arith.addf {pos}, {neg}")
    return tr.unary(node, fn)


def _relu6_of(b, x, shift):
    """min(max(x + shift, 0), 6)."""
    t = b.op(f"arith.addf {x}, {b.f(shift)}") if shift else x
    return b.op(f"arith.minimumf {b.op(f'arith.maximumf {t}, {b.f(0.0)}')}, {b.f(6.0)}")


def _hardswish(tr, node):  # x * relu6(x + 3) / 6, PyTorch's order
    return tr.unary(node, lambda b, x: b.op(
        f"arith.divf {b.op(f'arith.mulf {x}, {_relu6_of(b, x, 3.0)}')}, {b.f(6.0)}"))


def _hardsigmoid(tr, node):  # relu6(x + 3) / 6
    return tr.unary(node, lambda b, x: b.op(f"arith.divf {_relu6_of(b, x, 3.0)}, {b.f(6.0)}"))


def _hardtanh(tr, node):  # clamp(x, min_val, max_val); ReLU6 is hardtanh(0, 6)
    lo = node.args[1] if len(node.args) > 1 else node.kwargs.get("min_val", -1.0)
    hi = node.args[2] if len(node.args) > 2 else node.kwargs.get("max_val", 1.0)
    return tr.unary(node, lambda b, x: b.op(
        f"arith.minimumf {b.op(f'arith.maximumf {x}, {b.f(lo)}')}, {b.f(hi)}"))


def _gelu(tr, node):
    approx = node.kwargs.get("approximate", "none")
    if approx == "none":
        def fn(b, x):  # the order --quantc-fuse recognises (builders.py)
            t = b.op(f"arith.divf {x}, {b.f(1.41421356)}")
            e = b.op(f"math.erf {t}")
            u = b.op(f"arith.addf {b.f(1.0)}, {e}")
            h = b.op(f"arith.mulf {b.f(0.5)}, {x}")
            return b.op(f"arith.mulf {h}, {u}")
    elif approx == "tanh":
        def fn(b, x):
            x3 = b.op(f"arith.mulf {b.op(f'arith.mulf {x}, {x}')}, {x}")
            inner = b.op(f"arith.addf {x}, {b.op(f'arith.mulf {x3}, {b.f(0.044715)}')}")
            t = b.op(f"math.tanh {b.op(f'arith.mulf {inner}, {b.f(math.sqrt(2 / math.pi))}')}")
            u = b.op(f"arith.addf {b.f(1.0)}, {t}")
            h = b.op(f"arith.mulf {b.f(0.5)}, {x}")
            return b.op(f"arith.mulf {h}, {u}")
    else:
        raise UnsupportedOpError(f"{tr.where(node)}: approximate={approx!r}")
    return tr.unary(node, fn)


def _sigmoid_of(b, x):
    e = b.op(f"math.exp {b.op(f'arith.negf {x}')}")
    return b.op(f"arith.divf {b.f(1.0)}, {b.op(f'arith.addf {b.f(1.0)}, {e}')}")


def _silu(tr, node):
    return tr.unary(node, lambda b, x: b.op(f"arith.mulf {x}, {_sigmoid_of(b, x)}"))


def _simple(op):
    return lambda tr, node: tr.unary(node, lambda b, x: b.op(f"{op} {x}"))


def _identity(tr, node):
    import torch.fx
    a = node.args[0]
    if isinstance(a, torch.fx.Node) and a.name in tr.nhwc:
        tr.nhwc[node.name] = tr.nhwc[a.name]
    return tr.value(a, node)


def _reshape(tr, node):
    return tr.em.reshape(tr.value(node.args[0], node), tr.g.shape(node.name))


def _t(tr, node):
    x = tr.value(node.args[0], node)
    return tr.em.transpose(x, list(range(len(x.shape)))[::-1])


def _transpose(tr, node):
    x = tr.value(node.args[0], node)
    r = len(x.shape)
    perm = list(range(r))
    a, b = _dim(node.args[1], r), _dim(node.args[2], r)
    perm[a], perm[b] = perm[b], perm[a]
    return tr.em.transpose(x, perm)


def _permute(tr, node):
    x = tr.value(node.args[0], node)
    return tr.em.transpose(x, [_dim(d, len(x.shape)) for d in node.args[1]])


def _expand(tr, node):
    x = tr.value(node.args[0], node)
    shape = tr.g.shape(node.name)
    if shape == x.shape:
        return x
    return tr.em.elementwise(shape, [x], lambda args, b: args[0], x.elem)


def _unsqueeze(tr, node):
    return _reshape(tr, node)


def _mm(tr, node):
    layer = tr.layers.get(node.name)
    t = _target_name(node.target)
    if layer is not None:
        x = tr.activation(node.args[0] if t == "mm.default" else node.args[1], node)
        w = tr.value(node.args[1] if t == "mm.default" else node.args[2], node)
        attrs = f'quantc.layer = "{layer.name}"'
        if layer.name in tr.keep_float:
            attrs = "quantc.keep_float, " + attrs
        y = tr.em.matmul(x, w, attrs)
    else:
        an = node.args[0] if t == "mm.default" else node.args[1]
        bn = node.args[1] if t == "mm.default" else node.args[2]
        y = _activation_gemm(tr, tr.value(an, node), tr.value(bn, node), an, bn)
    if t == "addmm.default":
        if node.kwargs.get("beta", 1) != 1 or node.kwargs.get("alpha", 1) != 1:
            raise UnsupportedOpError(f"{tr.where(node)}: beta/alpha other than 1")
        bias = tr.value(node.args[0], node)
        y = tr.em.elementwise(y.shape, [y, bias],
                              lambda args, b: b.op(f"arith.addf {args[0]}, {args[1]}"))
    return y


def _activation_gemm(tr, a, b, a_node=None, b_node=None):
    """A GEMM of two activations (attention) in its natural layout: float
    and `quantc.keep_float`, or with `int8_attention` both operands
    quantized dynamically with scales constant along the reduction
    dimension, which is GEMM-legal, so --quantc-fuse makes it a
    quantc.matmul: the left operand `[.., M, K]` per row and batch (Q, P:
    per token and head), the right one `[.., K, N]` per column and batch
    (Kᵀ: per token and head; V: per channel and head; never per token)."""
    if _attention_kind(a_node) not in tr.int8_attention:
        return tr.em.matmul(a, b, "quantc.keep_float")
    r = len(b.shape)
    return tr.em.matmul(_int8_operand(tr, a, a_node, [r - 1]),
                        _int8_operand(tr, b, b_node, [r - 2]))


# Ops that only move data: the producer of a GEMM operand is looked up
# through them.
_VIEWS = ("view.default", "_unsafe_view.default", "reshape.default", "transpose.int",
          "permute.default", "expand.default", "clone.default", "contiguous.default",
          "unsqueeze.default", "t.default")


def _attention_kind(node):
    """"pv" for an activation GEMM whose left operand is attention
    probabilities (a softmax, or the exp of a split softmax, through views),
    else "qk" (`quantize(attention={"qk": ..., "pv": ...})` sets them
    apart)."""
    import torch.fx
    while isinstance(node, torch.fx.Node) and node.op == "call_function" \
            and _target_name(node.target) in _VIEWS:
        node = node.args[0]
    if isinstance(node, torch.fx.Node) and node.op == "call_function" \
            and _target_name(node.target) in ("_softmax.default", "exp.default"):
        return "pv"
    return "qk"


def _int8_operand(tr, v, node, dims):
    """An int8 attention GEMM operand: a value that is already a dequantized
    int8 tensor (an int8 KV cache: `q.float() * scale`, then views) is read
    as `quantc.dequantize` of its int8 data and scale, whatever the scale's
    granularity (--quantc-verify-gemm refuses one that varies along the
    reduction dimension, e.g. V per token); anything else is quantized
    dynamically with a scale over `dims`."""
    src = tr.dq.get(getattr(node, "name", None))
    if src is None or src[1] is None:
        return tr.em.qdq(v, dims)
    q, s = src
    d = tr.em.fresh("kvdq")
    tr.em.emit(f"{d} = quantc.dequantize {q.ssa}, {s.ssa} : {q.type}, {s.type} -> "
               f"{tensor_type(q.shape, 'f32')}")
    return _Val(d, q.shape, "f32")


def _convolution(tr, node):
    """aten.convolution (1-D or 2-D, NCL / NCHW, groups 1 or depthwise) as a linalg
    convolution on NHWC (the layout --quantc-conv-to-gemm runs as an int8
    GEMM, channels innermost): the input transposed (and zero-padded), the
    weight transposed once when the module is emitted ([F, KH, KW, C], or
    [KH, KW, C] for a depthwise one), the bias added; the NHWC result is
    recorded for the ops that follow (tr.nhwc_result). The NHWC input is the
    layer's activation (its calibration statistics and quantc.observe are
    per channel C)."""
    import torch.fx
    layout, why = _conv_check(tr.g, node)
    if layout is None:
        raise UnsupportedOpError(f"{tr.where(node)}: {why}")
    stride, padding, dilation, depthwise = layout
    xn, wn = node.args[0], node.args[1]
    bn = node.args[2] if len(node.args) > 2 else None
    if not (isinstance(wn, torch.fx.Node) and wn.name in tr.consts):
        raise UnsupportedOpError(f"{tr.where(node)}: a weight computed at run time (the "
                                 "frontend takes convolutions with a constant weight)")
    layer = tr.layers.get(node.name)
    # A 1-D convolution runs as a 2-D one over an image of height 1.
    one_d = len(tr.g.shape(xn.name)) == 3
    x = tr.nhwc.get(xn.name)
    if x is None:
        key = ("nhwc", xn.name)
        if key not in tr.env:
            v = tr.value(xn, node)
            if one_d:
                v = tr.em.reshape(v, (v.shape[0], v.shape[1], 1, v.shape[2]))
            tr.env[key] = tr.em.transpose(v, (0, 2, 3, 1))
        x = tr.env[key]
    n, h, wd, c = x.shape
    h, wd = h + 2 * padding[0], wd + 2 * padding[1]
    cache = tr.g.__dict__.setdefault("conv_weights", {})
    if wn.name not in cache:
        w = tr.g.values[wn.name].detach()
        if one_d:
            w = w.unsqueeze(2)
        w = w[:, 0].permute(1, 2, 0) if depthwise else w.permute(0, 2, 3, 1)
        cache[wn.name] = np.ascontiguousarray(w.numpy(), np.float32)
    w = tr.em.resource(cache[wn.name], tr.const_name(wn) + (".hwc" if depthwise else ".fhwc"))
    kh, kw = w.shape[:2] if depthwise else w.shape[1:3]
    oh = (h - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    f = w.shape[2] if depthwise else w.shape[0]
    if oh < 1 or ow < 1:
        raise UnsupportedOpError(f"{tr.where(node)}: an empty output ({oh}x{ow})")
    attrs = ""
    if layer is not None:
        attrs = f'quantc.layer = "{layer.name}"'
        if layer.name in tr.keep_float:
            attrs = "quantc.keep_float, " + attrs
    op = "linalg.depthwise_conv_2d_nhwc_hwc" if depthwise else "linalg.conv_2d_nhwc_fhwc"

    def conv(img):
        # The statistics on the NHWC input, then the zero padding
        # (--quantc-quantize quantizes under it, so the int8 tensor is
        # padded).
        if xn.name in tr.observe and layer is not None:
            absmax = np.asarray(tr.observe[xn.name], np.float32)
            o = tr.em.fresh("obs")
            tr.em.emit(f"{o} = quantc.observe {img.ssa} {{absmax = {dense_attr(absmax)}}} "
                       f": {img.type}")
            img = _Val(o, img.shape, img.elem)
        img = tr.em.pad(img, (0, padding[0], padding[1], 0), (0, padding[0], padding[1], 0))
        return tr.em.conv(op, img, w, (img.shape[0], oh, ow, f), stride, dilation, attrs)

    if not isinstance(n, SymDim):
        y = conv(x)
    else:
        # A dynamic batch: one static convolution per image (the shapes
        # --quantc-conv-to-gemm takes; a per-image activation scale is the
        # slice's own), its result inserted into the batch's.
        out_shape = (n, oh, ow, f)
        init = tr.em.empty(out_shape)
        c0, c1, iv, acc, loop = (tr.em.fresh(b) for b in ("c", "c", "img", "acc", "loop"))
        ty = tensor_type(out_shape, "f32")
        tr.em.emit(f"{c0} = arith.constant 0 : index")
        tr.em.emit(f"{c1} = arith.constant 1 : index")
        tr.em.emit(f"{loop} = scf.for {iv} = {c0} to {tr.em.size(n)} step {c1} "
                   f"iter_args({acc} = {init}) -> ({ty}) {{")
        img = tr.em.fresh("slice")
        ih, iw = x.shape[1], x.shape[2]
        ity = tensor_type((1, ih, iw, c), "f32")
        tr.em.emit(f"{img} = tensor.extract_slice {x.ssa}[{iv}, 0, 0, 0] [1, {ih}, {iw}, {c}] "
                   f"[1, 1, 1, 1] : {x.type} to {ity}")
        y1 = conv(_Val(img, (1, ih, iw, c), "f32"))
        upd = tr.em.fresh("upd")
        tr.em.emit(f"{upd} = tensor.insert_slice {y1.ssa} into {acc}[{iv}, 0, 0, 0] "
                   f"[1, {oh}, {ow}, {f}] [1, 1, 1, 1] : {y1.type} into {ty}")
        tr.em.emit(f"scf.yield {upd} : {ty}")
        tr.em.emit("}")
        y = _Val(loop, out_shape, "f32")
    if bn is not None:
        bias = tr.value(bn, node)
        y = tr.em.elementwise(y.shape, [y, bias],
                              lambda args, b: b.op(f"arith.addf {args[0]}, {args[1]}"))
    if one_d:  # [N, 1, OL, F] -> [N, F, OL]
        y = tr.em.transpose(y, (0, 3, 1, 2))
        return tr.em.reshape(y, (y.shape[0], y.shape[1], y.shape[3]))
    return tr.nhwc_result(node.name, y)


def _bmm(tr, node):
    a, b = tr.value(node.args[0], node), tr.value(node.args[1], node)
    return _activation_gemm(tr, a, b, node.args[0], node.args[1])


def _softmax(tr, node):
    x = tr.value(node.args[0], node)
    d = _dim(node.args[1], len(x.shape))
    m = tr.em.reduce(x, [d], "max", True)
    e = tr.em.elementwise(x.shape, [x, m], lambda args, b: b.op(
        f"math.exp {b.op(f'arith.subf {args[0]}, {args[1]}')}"))
    s = tr.em.reduce(e, [d], "sum", True)
    return tr.em.elementwise(x.shape, [e, s], lambda args, b: b.op(
        f"arith.divf {args[0]}, {args[1]}"))


def _log_softmax(tr, node):  # (x - max) - log(sum(exp(x - max)))
    x = tr.value(node.args[0], node)
    d = _dim(node.args[1], len(x.shape))
    m = tr.em.reduce(x, [d], "max", True)
    sh = tr.em.elementwise(x.shape, [x, m], lambda args, b: b.op(
        f"arith.subf {args[0]}, {args[1]}"))
    e = tr.em.elementwise(x.shape, [sh], lambda args, b: b.op(f"math.exp {args[0]}"))
    s = tr.em.reduce(e, [d], "sum", True)
    return tr.em.elementwise(x.shape, [sh, s], lambda args, b: b.op(
        f"arith.subf {args[0]}, {b.op(f'math.log {args[1]}')}"))


def _mean(tr, node):
    x = tr.value(node.args[0], node)
    dims = node.args[1] if len(node.args) > 1 else list(range(len(x.shape)))
    keep = node.args[2] if len(node.args) > 2 else node.kwargs.get("keepdim", False)
    if node.kwargs.get("dtype") is not None:
        raise UnsupportedOpError(f"{tr.where(node)}: dtype= is not supported")
    n = _prod([x.shape[_dim(d, len(x.shape))] for d in dims])
    if isinstance(n, SymDim):
        raise UnsupportedOpError(f"{tr.where(node)}: a mean over the dynamic token count")
    s = tr.em.reduce(x, dims, "sum", keep)
    return tr.em.elementwise(s.shape, [s], lambda args, b: b.op(
        f"arith.divf {args[0]}, {b.f(n)}"))


def _sum(tr, node):
    x = tr.value(node.args[0], node)
    dims = node.args[1] if len(node.args) > 1 else list(range(len(x.shape)))
    keep = node.args[2] if len(node.args) > 2 else node.kwargs.get("keepdim", False)
    return tr.em.reduce(x, dims, "sum", keep)


def _layer_norm(tr, node):
    x = tr.value(node.args[0], node)
    shape, w, bias, eps = node.args[1], node.args[2], node.args[3], node.args[4]
    if len(shape) != 1:
        raise UnsupportedOpError(f"{tr.where(node)}: normalized_shape {list(shape)} "
                                 "(only the last dimension is supported)")
    c = x.shape[-1]
    em = tr.em
    mean = em.elementwise(x.shape[:-1] + (1,), [em.reduce(x, [-1], "sum", True)],
                          lambda a, b: b.op(f"arith.divf {a[0]}, {b.f(c)}"))
    xc = em.elementwise(x.shape, [x, mean], lambda a, b: b.op(f"arith.subf {a[0]}, {a[1]}"))
    sq = em.elementwise(x.shape, [xc], lambda a, b: b.op(f"arith.mulf {a[0]}, {a[0]}"))
    def rstd_body(a, b):
        var = b.op(f"arith.divf {a[0]}, {b.f(c)}")
        return b.op(f"math.rsqrt {b.op(f'arith.addf {var}, {b.f(eps)}')}")
    rstd = em.elementwise(mean.shape, [em.reduce(sq, [-1], "sum", True)], rstd_body)
    ops = [x, mean, rstd]
    if w is not None:
        ops.append(tr.value(w, node))
    if bias is not None:
        ops.append(tr.value(bias, node))

    def body(a, b):  # ((x - mean) * rstd) * gamma + beta: the form SmoothQuant folds into
        e = b.op(f"arith.mulf {b.op(f'arith.subf {a[0]}, {a[1]}')}, {a[2]}")
        i = 3
        if w is not None:
            e = b.op(f"arith.mulf {e}, {a[i]}")
            i += 1
        if bias is not None:
            e = b.op(f"arith.addf {e}, {a[i]}")
        return e
    return (em.elementwise(x.shape, ops, body), mean, rstd)


def _getitem(tr, node):
    base = tr.env[node.args[0].name]
    if not isinstance(base, tuple):
        raise UnsupportedOpError(f"{tr.where(node)}: indexing a non-tuple value")
    v = base[node.args[1]]
    if node.args[1] == 0 and node.args[0].name + "#0" in tr.nhwc:
        tr.nhwc[node.name] = tr.nhwc[node.args[0].name + "#0"]
    if v is None:  # a batch norm's saved statistics, a max pool's indices
        raise UnsupportedOpError(f"{tr.where(node)}: result {node.args[1]} of "
                                 f"aten.{_target_name(node.args[0].target)} is not translated")
    return v


def _batch_norm(tr, node):
    """Inference batch norm over dimension 1 (NCHW, or [N, C]): x * a + b with
    a = weight / sqrt(running_var + eps) and b = bias - running_mean * a
    computed once in float32 (PyTorch's CPU kernel's form)."""
    import torch.fx
    x = tr.value(node.args[0], node)
    w, bias, mean, var, training, _, eps = node.args[1:8]
    if training:
        raise UnsupportedOpError(f"{tr.where(node)}: batch norm in training mode (call "
                                 "model.eval() before tracing)")
    if len(x.shape) < 2 or isinstance(x.shape[1], SymDim):
        raise UnsupportedOpError(f"{tr.where(node)}: an input without a static channel "
                                 "dimension 1")
    c = x.shape[1]

    def const(a, default):
        if a is None:
            return np.full(c, default, np.float32)
        if not (isinstance(a, torch.fx.Node) and a.name in tr.consts):
            raise UnsupportedOpError(f"{tr.where(node)}: statistics or affine parameters "
                                     "computed at run time")
        return tr.g.values[a.name].detach().numpy().astype(np.float32)
    if mean is None or var is None:
        raise UnsupportedOpError(f"{tr.where(node)}: no running statistics "
                                 "(track_running_stats=False)")
    m, v = const(mean, 0.0), const(var, 1.0)
    a = (const(w, 1.0) / np.sqrt(v + np.float32(eps), dtype=np.float32)).astype(np.float32)
    b = (const(bias, 0.0) - m * a).astype(np.float32)
    xn = tr.nhwc.get(node.args[0].name) if len(x.shape) == 4 else None
    bshape = (c,) if xn is not None else (c,) + (1,) * (len(x.shape) - 2)
    av = tr.em.const(a.reshape(bshape))
    bv = tr.em.const(b.reshape(bshape))
    src = xn if xn is not None else x
    y = tr.em.elementwise(src.shape, [src, av, bv], lambda args, bb: bb.op(
        f"arith.addf {bb.op(f'arith.mulf {args[0]}, {args[1]}')}, {args[2]}"))
    if xn is not None:
        y = tr.nhwc_result(node.name + "#0", y)
    return (y, None, None)


class _NoTraining:
    """A `_native_batch_norm_legit_no_training(x, w, b, mean, var, momentum,
    eps)` node read as native_batch_norm's arguments (training False)."""

    def __init__(self, node):
        self._node = node
        a = list(node.args)
        self.args = a[:5] + [False] + a[5:7]

    def __getattr__(self, name):
        return getattr(self._node, name)


def _pool_args(tr, node, kernel, stride, padding, dilation, ceil_mode):
    x = tr.value(node.args[0], node)
    kernel, padding, dilation = pair(kernel), pair(padding), pair(dilation)
    stride = pair(stride) if stride not in (None, [], ()) else kernel
    if len(x.shape) != 4 or any(isinstance(d, SymDim) for d in x.shape[1:]):
        raise UnsupportedOpError(f"{tr.where(node)}: only 2-D pooling of an input "
                                 "[N, C, H, W] with a static image size")
    if ceil_mode:
        raise UnsupportedOpError(f"{tr.where(node)}: ceil_mode=True")
    return x, kernel, stride, padding, dilation


def _pool(tr, node, kind, x, k, s, p, d, pad_value, divide, result_key=None):
    """A 2-D pool of x [N, C, H, W] (in NHWC when the input has an NHWC
    value): padded with `pad_value`, divided by the window size if
    `divide`; the NCHW result, its NHWC value recorded under `result_key`."""
    xn = tr.nhwc.get(node.args[0].name)
    if xn is not None:
        x = tr.em.pad(xn, (0, p[0], p[1], 0), (0, p[0], p[1], 0), pad_value)
    else:
        x = tr.em.pad(x, (0, 0, p[0], p[1]), (0, 0, p[0], p[1]), pad_value)
    y = tr.em.pool(kind, x, k, s, d, nhwc=xn is not None)
    if divide:
        y = tr.em.elementwise(y.shape, [y], lambda args, b: b.op(
            f"arith.divf {args[0]}, {b.f(k[0] * k[1])}"))
    return y if xn is None else tr.nhwc_result(result_key or node.name, y)


def _max_pool2d(tr, node):
    a = list(node.args) + [None] * 6
    x, k, s, p, d = _pool_args(tr, node, a[1], a[2], a[3] or 0, a[4] or 1, a[5])
    return (_pool(tr, node, "max", x, k, s, p, d, -math.inf, False, node.name + "#0"),
            None)


def _avg_pool2d(tr, node):
    a = list(node.args) + [None] * 7
    x, k, s, p, d = _pool_args(tr, node, a[1], a[2], a[3] or 0, 1, a[4])
    count_include_pad = True if a[5] is None else a[5]
    if a[6] is not None or (any(p) and not count_include_pad):
        raise UnsupportedOpError(f"{tr.where(node)}: divisor_override or "
                                 "count_include_pad=False with padding")
    return _pool(tr, node, "sum", x, k, s, p, d, 0.0, True)


def _adaptive_avg_pool2d(tr, node):
    """An output size that divides the input's: an average pool with the
    window (and stride) input / output (PyTorch's adaptive windows are
    exactly those then)."""
    x = tr.value(node.args[0], node)
    out = list(node.args[1])
    if len(x.shape) != 4 or any(isinstance(d, SymDim) for d in x.shape[1:]) \
            or len(out) != 2 or x.shape[2] % out[0] or x.shape[3] % out[1]:
        raise UnsupportedOpError(f"{tr.where(node)}: output size {out} does not divide the "
                                 f"input's {list(x.shape[2:])} (only 2-D, evenly divided)")
    k = [x.shape[2] // out[0], x.shape[3] // out[1]]
    return _pool(tr, node, "sum", x, k, k, [0, 0], [1, 1], 0.0, True)


def _cat(tr, node):
    vals = [tr.value(a, node) for a in node.args[0]]
    vals = [v for v in vals if all(s != 0 for s in v.shape)]
    shape = tr.g.shape(node.name)
    r = len(shape)
    d = _dim(node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0), r)
    if len(vals) > 1 and isinstance(shape[d], SymDim):
        raise UnsupportedOpError(f"{tr.where(node)}: a cat along the dynamic token count")
    cur = _Val(tr.em.empty(shape, vals[0].elem), shape, vals[0].elem)
    off = 0
    for v in vals:
        out = tr.em.fresh("cat")
        offs = [0] * r
        offs[d] = off
        tr.em.emit(f"{out} = tensor.insert_slice {v.ssa} into {cur.ssa}"
                   f"[{', '.join(map(str, offs))}] [{', '.join(map(tr.em.size, v.shape))}] "
                   f"[{', '.join(['1'] * r)}] : {v.type} into {cur.type}")
        cur = _Val(out, shape, cur.elem)
        off += v.shape[d]
    return cur


def _slice(tr, node):
    x = tr.value(node.args[0], node)
    r = len(x.shape)
    d = _dim(node.args[1] if len(node.args) > 1 else 0, r)
    start = node.args[2] if len(node.args) > 2 else 0
    step = node.args[4] if len(node.args) > 4 else 1
    start = 0 if start is None else start
    n = x.shape[d]
    if isinstance(n, SymDim):
        if start < 0:
            raise UnsupportedOpError(f"{tr.where(node)}: a slice from the end of the "
                                     "dynamic token count")
        n = start
    if start < 0:
        start += n
    start = min(max(start, 0), n)
    shape = tr.g.shape(node.name)
    if shape == x.shape:
        return x
    offs, strides = [0] * r, [1] * r
    offs[d], strides[d] = start, step
    return tr.em.extract_slice(x, offs, shape, strides)


def _split(tr, node):
    """`split.Tensor` (pieces of `split_size`, the last shorter) and
    `split_with_sizes`: a tuple of extract_slices along a static dimension
    (nn.MultiheadAttention's packed q/k/v projection)."""
    x = tr.value(node.args[0], node)
    r = len(x.shape)
    size = node.args[1]
    d = _dim(node.args[2] if len(node.args) > 2 else node.kwargs.get("dim", 0), r)
    n = x.shape[d]
    if isinstance(n, SymDim):
        raise UnsupportedOpError(f"{tr.where(node)}: splitting the dynamic token count")
    if isinstance(size, (list, tuple)):
        sizes = list(size)
    else:
        sizes = [min(size, n - o) for o in range(0, n, size)] if size > 0 else [n]
    out, off = [], 0
    for sz in sizes:
        shape = list(x.shape)
        shape[d] = sz
        offs = [0] * r
        offs[d] = off
        out.append(tr.em.extract_slice(x, offs, shape, base="sp"))
        off += sz
    return tuple(out)


def _select(tr, node):
    x = tr.value(node.args[0], node)
    r = len(x.shape)
    d = _dim(node.args[1], r)
    if isinstance(x.shape[d], SymDim):
        raise UnsupportedOpError(f"{tr.where(node)}: indexing the dynamic token count")
    i = node.args[2] % x.shape[d]
    shape = list(x.shape)
    shape[d] = 1
    offs = [0] * r
    offs[d] = i
    return tr.em.reshape(tr.em.extract_slice(x, offs, shape, base="sel"),
                         tr.g.shape(node.name))


def _embedding(tr, node):
    """`aten.embedding`: a gather of the table's rows. The compiled lookup
    does not bound its index (an index outside [0, rows) reads memory past
    the table). When the index tensor is a function argument (directly or
    through reshapes and transposes), every call checks its range before the
    compiled code runs (the compiler's IndexBound of the function: an
    IndexError from Python, an error from the C runtime's quantc_check_args).
    An index computed inside the model (e.g. `tokens + 1`, `argmax`, or a
    slice of an argument) is NOT checked: the model must keep it in range;
    there is no clamp."""
    w, idx = tr.value(node.args[0], node), tr.value(node.args[1], node)
    if idx.elem != "i64":
        raise UnsupportedOpError(f"{tr.where(node)}: indices must be int64")
    shape = idx.shape + (w.shape[1],)
    r = len(shape)
    ds = ", ".join(f"d{i}" for i in range(r))
    maps = [f"affine_map<({ds}) -> ({', '.join(f'd{i}' for i in range(r - 1))})>",
            f"affine_map<({ds}) -> ({ds})>"]
    init = tr.em.empty(shape)
    out = tr.em.fresh("emb")
    ty = tensor_type(shape, "f32")
    iters = ", ".join(['"parallel"'] * r)
    tr.em.emit(f"{out} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
               f"iterator_types = [{iters}]}} ins({idx.ssa} : {idx.type}) outs({init} : {ty}) {{")
    tr.em.emit("^bb0(%i: i64, %o: f32):")
    tr.em.emit("  %row = arith.index_cast %i : i64 to index")
    tr.em.emit(f"  %col = linalg.index {r - 1} : index")
    tr.em.emit(f"  %e = tensor.extract {w.ssa}[%row, %col] : {w.type}")
    tr.em.emit("  linalg.yield %e : f32")
    tr.em.emit(f"}} -> {ty}")
    return _Val(out, shape, "f32")


def _where(tr, node):
    c = tr.value(node.args[0], node)
    a = [tr.scalar_or_value(x, node) for x in node.args[1:3]]
    ops = [c] + [x for x in a if isinstance(x, _Val)]
    shape = tr.g.shape(node.name)

    def body(args, b):
        it = iter(args[1:])
        xs = [next(it) if isinstance(x, _Val) else b.f(x) for x in a]
        return b.op(f"arith.select {args[0]}, {xs[0]}, {xs[1]}")
    return tr.em.elementwise(shape, ops, body)


def _masked_fill(tr, node):
    x, m = tr.value(node.args[0], node), tr.value(node.args[1], node)
    v = node.args[2]
    if not isinstance(v, (int, float)):
        raise UnsupportedOpError(f"{tr.where(node)}: only a scalar fill value is supported")
    return tr.em.elementwise(x.shape, [x, m], lambda a, b: b.op(
        f"arith.select {a[1]}, {b.f(v)}, {a[0]}"))


def _to_copy(tr, node):
    """`.to(dtype)` between float32 and int8/int64 (C casts: float to int
    truncates, as in PyTorch) or to the same type; other options refused."""
    x = tr.value(node.args[0], node)
    extra = {k: v for k, v in node.kwargs.items()
             if k != "dtype" and v is not None and not (k == "device" and str(v) == "cpu")
             and not (k == "layout" and str(v) == "torch.strided")}
    if extra:
        raise UnsupportedOpError(f"{tr.where(node)}: options {sorted(extra)} are not supported")
    to = _ELEM.get(str(node.kwargs.get("dtype")), x.elem) \
        if node.kwargs.get("dtype") is not None else x.elem
    if to == x.elem:
        return x
    casts = {("i8", "f32"): "arith.sitofp", ("i64", "f32"): "arith.sitofp",
             ("f32", "i8"): "arith.fptosi", ("f32", "i64"): "arith.fptosi",
             ("i8", "i64"): "arith.extsi", ("i64", "i8"): "arith.trunci"}
    op = casts.get((x.elem, to))
    if op is None:
        raise UnsupportedOpError(f"{tr.where(node)}: conversion {x.elem} -> {to}")
    return tr.em.elementwise(x.shape, [x], lambda a, b: _cast(b, op, a[0], x.elem, to), to)


def _cast(b, op, v, src, dst):
    b.count += 1
    name = f"%s{b.count}"
    b.lines.append(f"{name} = {op} {v} : {src} to {dst}")
    return name


def _amax(tr, node):
    x = tr.value(node.args[0], node)
    dims = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", [])
    dims = list(dims) if dims else list(range(len(x.shape)))
    keep = node.args[2] if len(node.args) > 2 else node.kwargs.get("keepdim", False)
    return tr.em.reduce(x, dims, "max", keep)


def _clamp(tr, node):
    lo = node.args[1] if len(node.args) > 1 else node.kwargs.get("min")
    hi = node.args[2] if len(node.args) > 2 else node.kwargs.get("max")
    for v in (lo, hi):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise UnsupportedOpError(f"{tr.where(node)}: only scalar bounds are supported")

    def fn(b, x):
        if lo is not None:
            x = b.op(f"arith.maximumf {x}, {b.f(lo)}")
        if hi is not None:
            x = b.op(f"arith.minimumf {x}, {b.f(hi)}")
        return x
    return tr.unary(node, fn)


HANDLERS = {
    "_to_copy.default": _to_copy, "amax.default": _amax, "clamp.default": _clamp,
    "abs.default": _simple("math.absf"), "round.default": _simple("math.roundeven"),
    "maximum.default": lambda tr, node: tr.binary(
        node, lambda b, x, y: b.op(f"arith.maximumf {x}, {y}")),
    "minimum.default": lambda tr, node: tr.binary(
        node, lambda b, x, y: b.op(f"arith.minimumf {x}, {y}")),
    "add.Tensor": _add, "add.Scalar": _add, "sub.Tensor": _sub, "sub.Scalar": _sub,
    "rsub.Scalar": _rsub, "mul.Tensor": _mul, "mul.Scalar": _mul,
    "div.Tensor": _div, "div.Scalar": _div,
    "pow.Tensor_Scalar": _pow, "relu.default": _relu, "gelu.default": _gelu,
    "silu.default": _silu, "leaky_relu.default": _leaky_relu,
    "hardswish.default": _hardswish, "hardsigmoid.default": _hardsigmoid,
    "hardtanh.default": _hardtanh, "_log_softmax.default": _log_softmax, "rsqrt.default": _simple("math.rsqrt"),
    "sqrt.default": _simple("math.sqrt"), "exp.default": _simple("math.exp"),
    "tanh.default": _simple("math.tanh"), "neg.default": _simple("arith.negf"),
    "sigmoid.default": lambda tr, node: tr.unary(node, _sigmoid_of),
    "clone.default": _identity, "detach.default": _identity, "alias.default": _identity,
    "lift_fresh_copy.default": _identity,
    "view.default": _reshape, "_unsafe_view.default": _reshape,
    "_reshape_alias.default": _reshape, "reshape.default": _reshape,
    "unsqueeze.default": _unsqueeze, "squeeze.dim": _reshape, "squeeze.default": _reshape,
    "t.default": _t, "transpose.int": _transpose, "permute.default": _permute,
    "expand.default": _expand,
    "mm.default": _mm, "addmm.default": _mm, "bmm.default": _bmm,
    "convolution.default": _convolution,
    "native_batch_norm.default": _batch_norm,
    "_native_batch_norm_legit_no_training.default":
        lambda tr, node: _batch_norm(tr, _NoTraining(node)),
    "max_pool2d_with_indices.default": _max_pool2d, "avg_pool2d.default": _avg_pool2d,
    "_adaptive_avg_pool2d.default": _adaptive_avg_pool2d,
    "sum.default": _sum, "mean.default": _mean,
    "_softmax.default": _softmax, "mean.dim": _mean, "sum.dim_IntList": _sum,
    "native_layer_norm.default": _layer_norm, "getitem": _getitem,
    "cat.default": _cat, "slice.Tensor": _slice, "select.int": _select,
    "split.Tensor": _split, "split_with_sizes.default": _split,
    "embedding.default": _embedding, "where.self": _where,
    "masked_fill.Scalar": _masked_fill,
}
for _name, _pred in (("gt", "ogt"), ("lt", "olt"), ("ge", "oge"), ("le", "ole"),
                     ("eq", "oeq"), ("ne", "une")):
    HANDLERS[f"{_name}.Scalar"] = HANDLERS[f"{_name}.Tensor"] = _compare(_pred)
