"""Tracing a PyTorch module into an ATen graph with module paths and a
parameter table (the first half of the PyTorch frontend, frontend_torch.py).

    graph = trace(module, example_args)
    graph.gm            # torch.fx.GraphModule of ATen ops (make_fx)
    graph.values        # node name -> torch value at the example arguments
    graph.module_of     # node name -> qualified module path it came from
    graph.param_of      # get_attr node name -> qualified parameter/buffer name
    graph.shape(name)   # a node's shape: ints, and SymDim where it follows the
                        # token count (trace(..., dynamic_dims=...))

With `dynamic_dims` the module is traced twice, at the example arguments'
token count N and at N - 1 (the example arguments cut along those
dimensions): every dimension that differs between the two traces is
c·N^p (a SymDim), the token count's one symbol.

PyTorch 1.13's `make_fx` graphs carry no module stack, so forward hooks keep
a stack of the modules being run and every node created while tracing is
tagged with the innermost one.
"""
import contextlib
import operator

import numpy as np

__all__ = ["TracedGraph", "SymDim", "trace", "to_numpy", "root_name"]

_ROOT = "<root>"


def target_name(target):
    """An FX node's target as the frontend names ATen ops: "mm.default",
    "getitem"."""
    if target is operator.getitem:
        return "getitem"
    s = str(target)
    return s[len("aten."):] if s.startswith("aten.") else s


def root_name(path):
    """A module path as printed: the root module has the empty path."""
    return path or _ROOT


def _torch():
    try:
        import torch  # noqa: F401
        from torch.fx.experimental.proxy_tensor import make_fx  # noqa: F401
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise ImportError("quantc.from_torch needs PyTorch (Debian: apt-get install "
                          "python3-torch)") from e
    return torch


def to_numpy(a, what):
    """A torch tensor, NumPy array or NumPy scalar as a NumPy array (no copy
    when possible; a scalar is a 0-d array)."""
    torch = _torch()
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    if isinstance(a, np.ndarray):
        return a
    if isinstance(a, np.generic):  # a NumPy scalar (np.float32(2.0)): a 0-d array
        return np.asarray(a)
    raise TypeError(f"{what}: expected a torch.Tensor or numpy.ndarray, got "
                    f"{type(a).__name__}")


def _as_tensor(a, what):
    torch = _torch()
    if isinstance(a, torch.Tensor):
        return a.detach()
    if isinstance(a, np.ndarray):
        # (np.ascontiguousarray would turn a 0-d array into shape (1,).)
        return torch.from_numpy(np.require(a, requirements="C"))
    raise TypeError(f"{what}: expected a torch.Tensor or numpy.ndarray, got "
                    f"{type(a).__name__}")


class SymDim:
    """A dimension `coef * N**power` of the token count N (power >= 1)."""

    __slots__ = ("coef", "power")

    def __init__(self, coef, power=1):
        self.coef, self.power = int(coef), int(power)

    def __mul__(self, other):
        if isinstance(other, SymDim):
            return SymDim(self.coef * other.coef, self.power + other.power)
        return SymDim(self.coef * int(other), self.power) if other else 0

    __rmul__ = __mul__

    def __eq__(self, other):
        return isinstance(other, SymDim) and (self.coef, self.power) == (other.coef,
                                                                         other.power)

    def __hash__(self):
        return hash((self.coef, self.power))

    def at(self, n):
        """The size at token count `n`."""
        return self.coef * n ** self.power

    def __repr__(self):
        n = "N" if self.power == 1 else f"N^{self.power}"
        return n if self.coef == 1 else f"{self.coef}*{n}"


def dim_at(d, n):
    """A dimension (int or SymDim) at token count `n`."""
    return d.at(n) if isinstance(d, SymDim) else d


def is_dynamic(shape):
    return any(isinstance(d, SymDim) for d in shape)


class TracedGraph:
    """The ATen graph of a module at its example arguments."""

    def __init__(self, gm, values, module_of, param_of, example_args, shapes=None,
                 dynamic_args=None):
        self.gm = gm
        self.values = values
        self.module_of = module_of
        self.param_of = param_of
        self.example_args = example_args
        self.shapes = shapes or {}
        """node name -> shape with SymDims (only the nodes with dynamic dims)."""
        self.dynamic_args = dynamic_args or {}
        """argument index -> the dims that are the token count."""

    def shape(self, name):
        """The shape of node `name`'s value (a tuple of ints and SymDims)."""
        if name in self.shapes:
            return self.shapes[name]
        return tuple(int(d) for d in self.values[name].shape)

    def dynamic(self, name):
        return name in self.shapes


@contextlib.contextmanager
def _module_stack_tags(module):
    """While active, every fx node created gets meta['quantc_module']: the
    qualified name of the innermost module whose forward is running."""
    torch = _torch()
    names = {id(m): n for n, m in module.named_modules()}
    stack = []
    handles = []
    def enter(mod, _inputs):
        stack.append(names.get(id(mod), ""))  # (a hook's return value would replace the input)

    def leave(_mod, _inputs, _output):
        stack.pop()

    for m in module.modules():
        handles.append(m.register_forward_pre_hook(enter))
        handles.append(m.register_forward_hook(leave))
    original = torch.fx.Graph.create_node

    def create_node(self, *args, **kwargs):
        node = original(self, *args, **kwargs)
        node.meta["quantc_module"] = stack[-1] if stack else ""
        return node

    torch.fx.Graph.create_node = create_node
    try:
        yield
    finally:
        torch.fx.Graph.create_node = original
        for h in handles:
            h.remove()


def _cse(gm):
    """Merges identical pure ATen calls (make_fx emits one `view` of the
    input per nn.Linear: q, k and v then read one value, so SmoothQuant
    gives them one shared factor, as in the reference implementation)."""
    seen = {}

    def key(v):
        if isinstance(v, (list, tuple)):
            return tuple(key(x) for x in v)
        if isinstance(v, dict):
            return tuple(sorted((k, key(x)) for k, x in v.items()))
        return v

    for node in list(gm.graph.nodes):
        if node.op != "call_function":
            continue
        try:
            k = (node.target, key(node.args), key(node.kwargs))
            hash(k)
        except TypeError:
            continue
        if k in seen:
            node.replace_all_uses_with(seen[k])
            gm.graph.erase_node(node)
        else:
            seen[k] = node
    gm.graph.eliminate_dead_code()
    gm.recompile()


# ATen ops that return a view of their first argument: a tensor mutated in
# place through one of them, or after one was taken, changes what the other
# aliases read, which a graph of values does not show.
_VIEW_OPS = {"view", "_unsafe_view", "_reshape_alias", "reshape", "expand", "slice",
             "select", "t", "transpose", "permute", "unsqueeze", "squeeze", "alias",
             "detach", "as_strided", "split", "unbind", "diagonal", "narrow", "unfold"}


def _functionalize(gm, module_of):
    """Rewrites in-place ATen calls (`x += 1` -> add_, ReLU(inplace=True) ->
    relu_) into their functional forms where that is exact: make_fx already
    gives every later use of the mutated tensor the in-place node's value, so
    only aliases can tell the difference. Raises UnsupportedOpError when an
    alias of the mutated tensor (its base through views, or another view of
    it) is read after the mutation, or when it is a module parameter, buffer
    or input (their mutation would be visible outside the compiled model)."""
    torch = _torch()
    from .torch_emit import UnsupportedOpError

    order = {n: i for i, n in enumerate(gm.graph.nodes)}
    for node in list(gm.graph.nodes):
        if node.op != "call_function":
            continue
        name = target_name(node.target)
        base, _, overload = name.partition(".")
        if not base.endswith("_") or base.startswith("_") or not node.args:
            continue
        functional = getattr(getattr(torch.ops.aten, base[:-1], None), overload, None)
        where = (f"in-place op aten.{name} (node {node.name}) in module "
                 f"'{root_name(module_of.get(node.name, ''))}'")
        if functional is None:
            raise UnsupportedOpError(f"unsupported {where}: it has no functional form")
        src = node.args[0]
        if not isinstance(src, torch.fx.Node):
            continue
        # The aliases of the mutated tensor: its base through views, and
        # every view of that base.
        def is_view(n):
            return n.op == "call_function" and \
                target_name(n.target).partition(".")[0] in _VIEW_OPS
        root = src
        while is_view(root) and root.args and isinstance(root.args[0], torch.fx.Node):
            root = root.args[0]
        group, todo = {root}, [root]
        while todo:
            for user in todo.pop().users:
                if is_view(user) and user not in group:
                    group.add(user)
                    todo.append(user)
        why = None
        if root.op in ("placeholder", "get_attr"):
            why = ("it mutates an input of the model" if root.op == "placeholder"
                   else "it mutates a parameter or buffer of the module")
        else:
            # A read of an alias after the mutation would see the old value.
            late = [u for m in group for u in m.users
                    if u is not node and u not in group and order[u] > order[node]]
            if late:
                why = f"an alias of the tensor it mutates is read after it (by {late[0].name})"
        if why:
            raise UnsupportedOpError(f"unsupported {where}: {why}; write it out of place "
                                     "(e.g. y = y + 1, nn.ReLU(inplace=False))")
        node.target = functional
    gm.recompile()


def _trace_once(module, args, params):
    torch = _torch()
    from torch.fx.experimental.proxy_tensor import make_fx

    # Traced with grad enabled: PyTorch's fused inference fast paths
    # (nn.TransformerEncoderLayer's _transformer_encoder_layer_fwd, one op
    # for the whole layer) are taken only without grad; with it the layer
    # traces as its matmuls, softmax and norms. make_fx records the forward
    # ops either way.
    with torch.enable_grad(), _module_stack_tags(module):
        gm = make_fx(module)(*args)
    module_of = {n.name: n.meta.get("quantc_module", "") for n in gm.graph.nodes}
    _functionalize(gm, module_of)
    _cse(gm)
    param_of = {}
    for node in gm.graph.nodes:
        if node.op == "get_attr":
            t = getattr(gm, node.target)
            param_of[node.name] = params.get(id(t), node.target)

    values = {}

    class Recorder(torch.fx.Interpreter):
        def run_node(self, n):
            r = super().run_node(n)
            values[n.name] = r
            return r

    with torch.no_grad():
        Recorder(gm).run(*args)
    return gm, values, module_of, param_of


def _dynamic_spec(dynamic_dims, args):
    """{arg index: sorted dims} from `dynamic_dims` ({arg: dim or [dims]})
    and the token count N they share in `args`."""
    if not isinstance(dynamic_dims, dict) or not dynamic_dims:
        raise TypeError("from_torch: dynamic_dims must be a non-empty dict {argument "
                        "index: dimension or [dimensions]}, e.g. {0: 0}")
    spec, sizes = {}, set()
    for a, dims in dynamic_dims.items():
        if isinstance(a, bool) or not isinstance(a, int) or not 0 <= a < len(args):
            raise ValueError(f"from_torch: dynamic_dims key {a!r} is not an argument index "
                             f"(0..{len(args) - 1})")
        dims = [dims] if isinstance(dims, int) and not isinstance(dims, bool) else dims
        if not isinstance(dims, (list, tuple)) or not dims or any(
                isinstance(d, bool) or not isinstance(d, int) for d in dims):
            raise TypeError(f"from_torch: dynamic_dims[{a}] must be a dimension or a "
                            f"list of dimensions, got {dims!r}")
        r = args[a].dim()
        out = set()
        for d in dims:
            if not -r <= d < r:
                raise ValueError(f"from_torch: dynamic_dims[{a}]: argument {a} has rank "
                                 f"{r}, no dimension {d}")
            out.add(d % r)
            sizes.add(int(args[a].shape[d % r]))
        spec[a] = sorted(out)
    if len(sizes) != 1:
        raise ValueError("from_torch: the dynamic dimensions are one token count and must "
                         f"have one size in the example arguments, got {sorted(sizes)}")
    n = sizes.pop()
    if n < 3:
        raise ValueError(f"from_torch: the example token count is {n}; tracing a dynamic "
                         "token count needs an example with at least 3 tokens")
    return spec, n


def _fit(d1, d2, n1, n2, what):
    """The SymDim c·N^p with d1 at n1 and d2 at n2 (d1 != d2)."""
    for p in (1, 2, 3):
        if d1 % n1 ** p == 0:
            c = d1 // n1 ** p
            if c > 0 and c * n2 ** p == d2:
                return SymDim(c, p)
    raise ValueError(f"from_torch: {what} is {d1} at {n1} tokens and {d2} at {n2}: not "
                     "a multiple of a power of the token count, which quantc cannot "
                     "make dynamic")


# Arguments that are sizes, which the ops' translations take from the node's
# (symbolic) result shape rather than from the argument: {op: positions}.
_SIZE_ARGS = {
    "view.default": (1,), "_unsafe_view.default": (1,), "reshape.default": (1,),
    "_reshape_alias.default": (1, 2), "expand.default": (1,),
    "slice.Tensor": (3,),
}


def _leaf_diff(a, b):
    """The first pair of differing leaves of two node arguments (nested
    lists, tuples, dicts; nodes compare by name), or None."""
    import torch.fx

    if isinstance(a, torch.fx.Node) or isinstance(b, torch.fx.Node):
        same = (isinstance(a, torch.fx.Node) and isinstance(b, torch.fx.Node)
                and a.name == b.name)
        return None if same else (a, b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return (a, b)
        for x, y in zip(a, b):
            d = _leaf_diff(x, y)
            if d is not None:
                return d
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return (a, b)
        for k in a:
            d = _leaf_diff(a[k], b[k])
            if d is not None:
                return d
        return None
    if type(a) is not type(b) or a != b:
        return (a, b)
    return None


def _check_same_constants(module, module_of, nodes1, nodes2, values1, values2, n1, n2):
    """Raises ValueError where the two traces (at n1 and n2 tokens) differ in
    a value the graph bakes in: a scalar argument computed from the token
    count (`y / x.shape[0]`, `x[x.shape[0] - 3]`) or a constant tensor made
    from it. Compiled for a dynamic token count, such a graph would keep the
    example's value for every other count."""
    torch = _torch()

    def fail(node, what):
        raise ValueError(
            f"from_torch: {what} of node {node.name} ({node.target}) in module "
            f"'{root_name(module_of.get(node.name, ''))}' depends on the token count "
            f"({n1} vs {n2} tokens): the traced graph would keep the value of the "
            "example for every token count. Compute it from tensors (e.g. "
            "x.mean(dim) rather than x.sum(dim) / x.shape[0]), or trace without "
            "dynamic_dims for one token count")

    for a, b in zip(nodes1, nodes2):
        if a.op == "get_attr":
            t1, t2 = values1[a.name], values2[b.name]
            if isinstance(t1, torch.Tensor) and (
                    t1.shape != t2.shape or not torch.equal(t1, t2)):
                fail(a, "the constant tensor")
            continue
        if a.op != "call_function":
            continue
        sizes = _SIZE_ARGS.get(target_name(a.target), ())
        for i, (x, y) in enumerate(zip(a.args, b.args)):
            if i not in sizes and _leaf_diff(x, y) is not None:
                fail(a, f"argument {i}")
        if _leaf_diff(a.kwargs, b.kwargs) is not None:
            fail(a, "a keyword argument")


def trace(module, example_args, dynamic_dims=None):
    """Traces `module(*example_args)` into ATen ops with `make_fx`; with
    `dynamic_dims` ({argument index: dimension or [dimensions]}) those
    dimensions are the token count N and every dimension that follows it
    is a SymDim (module doc)."""
    torch = _torch()

    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expected a torch.nn.Module, got {type(module).__name__}")
    if isinstance(example_args, (torch.Tensor, np.ndarray)):
        example_args = (example_args,)
    if not isinstance(example_args, (tuple, list)) or not example_args:
        raise TypeError("from_torch: example_args must be a non-empty tuple of tensors")
    args = tuple(_as_tensor(a, f"example argument {i}") for i, a in enumerate(example_args))
    params = {}
    for n, p in module.named_parameters():
        params.setdefault(id(p), n)
    for n, b in module.named_buffers():
        params.setdefault(id(b), n)
    gm, values, module_of, param_of = _trace_once(module, args, params)
    if dynamic_dims is None:
        return TracedGraph(gm, values, module_of, param_of, args)
    spec, n1 = _dynamic_spec(dynamic_dims, args)
    n2 = n1 - 1
    args2 = list(args)
    for a, dims in spec.items():
        for d in dims:
            args2[a] = args2[a].narrow(d, 0, n2)
        # (A narrowed inner dimension leaves a non-contiguous view, whose
        # trace differs: `view` becomes a copy.)
        if args[a].is_contiguous():
            args2[a] = args2[a].contiguous()
    gm2, values2, _, _ = _trace_once(module, tuple(args2), params)
    nodes1, nodes2 = list(gm.graph.nodes), list(gm2.graph.nodes)
    for i in range(max(len(nodes1), len(nodes2))):
        a = nodes1[i] if i < len(nodes1) else None
        b = nodes2[i] if i < len(nodes2) else None
        if a is None or b is None or (a.name, a.op, a.target) != (b.name, b.op, b.target):
            where = a if a is not None else b
            raise ValueError(
                f"from_torch: the traced graph changes with the token count (at node "
                f"{where.name} in module '{root_name(module_of.get(where.name, ''))}', "
                f"{n1} vs {n2} tokens): the model cannot take a dynamic token count")
    _check_same_constants(module, module_of, nodes1, nodes2, values, values2, n1, n2)
    shapes = {}
    for node in nodes1:
        t1, t2 = values[node.name], values2[node.name]
        if not isinstance(t1, torch.Tensor):
            continue  # (tuple results: their getitem nodes carry the shapes)
        if t1.dim() != t2.dim():
            raise ValueError(f"from_torch: node {node.name} changes rank with the "
                             "token count")
        if tuple(t1.shape) != tuple(t2.shape):
            shapes[node.name] = tuple(
                int(d1) if d1 == d2 else _fit(int(d1), int(d2), n1, n2,
                                              f"dimension {i} of node {node.name}")
                for i, (d1, d2) in enumerate(zip(t1.shape, t2.shape)))
    return TracedGraph(gm, values, module_of, param_of, args, shapes, spec)
