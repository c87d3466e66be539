"""Tracing a PyTorch module into an ATen graph with module paths and a
parameter table (the first half of the PyTorch frontend, frontend_torch.py).

    graph = trace(module, example_args)
    graph.gm            # torch.fx.GraphModule of ATen ops (make_fx)
    graph.values        # node name -> torch value at the example arguments
    graph.module_of     # node name -> qualified module path it came from
    graph.param_of      # get_attr node name -> qualified parameter/buffer name

PyTorch 1.13's `make_fx` graphs carry no module stack, so forward hooks keep
a stack of the modules being run and every node created while tracing is
tagged with the innermost one.
"""
import contextlib

import numpy as np

__all__ = ["TracedGraph", "trace", "to_numpy", "root_name"]

_ROOT = "<root>"


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
    """A torch tensor or array-like as a NumPy array (no copy when possible)."""
    torch = _torch()
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    if isinstance(a, np.ndarray):
        return a
    raise TypeError(f"{what}: expected a torch.Tensor or numpy.ndarray, got "
                    f"{type(a).__name__}")


def _as_tensor(a, what):
    torch = _torch()
    if isinstance(a, torch.Tensor):
        return a.detach()
    if isinstance(a, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(a))
    raise TypeError(f"{what}: expected a torch.Tensor or numpy.ndarray, got "
                    f"{type(a).__name__}")


class TracedGraph:
    """The ATen graph of a module at its example arguments."""

    def __init__(self, gm, values, module_of, param_of, example_args):
        self.gm = gm
        self.values = values
        self.module_of = module_of
        self.param_of = param_of
        self.example_args = example_args


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


def trace(module, example_args):
    """Traces `module(*example_args)` into ATen ops with `make_fx`."""
    torch = _torch()
    from torch.fx.experimental.proxy_tensor import make_fx

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
    with torch.no_grad(), _module_stack_tags(module):
        gm = make_fx(module)(*args)
    module_of = {n.name: n.meta.get("quantc_module", "") for n in gm.graph.nodes}
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
    return TracedGraph(gm, values, module_of, param_of, args)
