"""Compile and run: textual pass pipelines and JIT-compiled CPU functions.

    out = quantc.run_pipeline(ir, "quantc-import-quant,quantc-verify-gemm")
    mod = quantc.compile_cpu(ir)          # --quantc-cpu-pipeline + LLVM JIT
    y = mod.forward(x)                    # NumPy in, NumPy out

    m = quantc.Module(ir, {"w0": weights})  # `dense_resource<w0>` bound to an array
    m.run("quantc-quantize")              # in place; weights never become text
    print(m.mlir())                       # resources elided
    mod = m.compile()

    mod.save("model.qc")                  # an artifact directory (docs/EMBEDDING.md)
    mod = quantc.load("model.qc")         # no LLVM, no MLIR, no recompiling

Pipelines are written as on the quantc-opt command line, without the dashes
and comma separated; options as `name=value` (`quantc-smoothquant=alpha=0.5`)
or MLIR's `name{a=1 b=2}`. Passes that anchor on functions are nested
automatically. Every failure raises CompileError with MLIR's diagnostics.

The compiler (quantc._quantc, which loads libMLIR.so) is imported on first
use; running compiled code and loading artifacts needs only
quantc._quantc_rt (libquantc_runtime, no LLVM or MLIR).
"""
import json
import os
import shutil
import struct

import numpy as np

from . import _quantc_rt

# What CompiledFunction's C++ call path returns for arguments it cannot
# take as they are.
_NOT_TAKEN = _quantc_rt.NOT_TAKEN

__all__ = ["CompileError", "LoadError", "run_pipeline", "compile_cpu", "CompiledModule",
           "Module", "load", "read_safetensors"]


def _compiler():
    """quantc._quantc, imported on first use: it loads libMLIR.so, which
    running saved artifacts does not need."""
    from . import _quantc
    return _quantc


class CompileError(Exception):
    """Parsing, pass or JIT failure; the message holds MLIR's diagnostics."""

    def __init__(self, diagnostics):
        super().__init__(diagnostics.rstrip() or "compilation failed")
        self.diagnostics = diagnostics


class LoadError(Exception):
    """An artifact that cannot be loaded: missing or malformed files, another
    format version, or a CPU without the features the code was compiled
    for (the message names them)."""


def run_pipeline(ir, pipeline, *, return_diagnostics=False):
    """Parses `ir`, runs `pipeline` and returns the printed result.

    With `return_diagnostics`, returns `(ir, diagnostics)` so that remarks and
    warnings of a successful run (e.g. quantc-report-cost) are kept."""
    if not isinstance(ir, str) or not isinstance(pipeline, str):
        raise TypeError("run_pipeline(ir: str, pipeline: str)")
    ok, out, diags = _compiler().run_pipeline(ir, pipeline)
    if not ok:
        raise CompileError(diags)
    return (out, diags) if return_diagnostics else out


_SCALARS = {
    "f16": np.float16,
    "f32": np.float32,
    "f64": np.float64,
    "i1": np.bool_,
    "i8": np.int8,
    # An i8 argument that holds u8 bytes (every use a quant.scast to u8
    # storage): callers pass np.uint8.
    "u8": np.uint8,
    "i16": np.int16,
    "i32": np.int32,
    "i64": np.int64,
    "index": np.int64,
}


def _as_array(a, what):
    """`a` as a NumPy array: a torch.Tensor (also one that requires grad or
    lives on another device) through `detach().cpu().numpy()`, without
    importing torch; anything else through np.asarray."""
    if type(a).__module__.split(".")[0] == "torch" and hasattr(a, "detach"):
        try:
            return a.detach().cpu().numpy()
        except TypeError as e:  # (bf16 and other dtypes NumPy lacks)
            raise TypeError(f"{what}: torch dtype {a.dtype} has no NumPy equivalent; "
                            "convert the tensor (e.g. .float())") from e
    return np.asarray(a)


def _type_str(desc):
    shaped, element, shape = desc
    if not shaped:
        return element
    return "tensor<" + "".join(("?" if d < 0 else str(d)) + "x" for d in shape) + element + ">"


class CompiledFunction:
    """A JIT-compiled function: call it with NumPy arrays (tensor arguments)
    and Python/NumPy scalars; returns a NumPy array, a scalar, a tuple of
    them, or None.

    A call goes straight to C++ (quantc._quantc_rt.CallPath: memref descriptors
    on the stack, the entry point looked up once, results copied and their
    buffers freed) when the arguments need no conversion; otherwise
    `_normalize` converts them (or raises) and the call is made again."""

    def __init__(self, module, name, args, results, dim_groups=(), index_bounds=()):
        self._module, self.name = module, name
        self.arg_types, self.result_types = args, results
        # Argument dimensions that the function's ops tie together (recorded
        # by the compiler before lowering): [([(arg, dim), ...], size, min,
        # max)], with size -1 when only equality is required, and a dynamic
        # size in [min, max] (max -1: unbounded) where the function slices a
        # fixed-size buffer to it (the call path raises ValueError).
        self.dim_groups = [(list(map(tuple, members)), size, lo, hi)
                           for members, size, lo, hi in dim_groups]
        # Integer arguments whose elements index a table (an embedding's
        # token ids): [(arg, rows)]; a call keeps them in [0, rows) (the
        # call path raises IndexError, as torch does).
        self.index_bounds = [tuple(b) for b in index_bounds]
        for d in args + results:
            if d[1].startswith("unsupported"):
                self._unsupported = d[1][len("unsupported:"):]
                break
        else:
            self._unsupported = None
        # Takes exact arguments only; the rules are _normalize's.
        self._missing = None
        try:
            address = module._jit.entry(name)
        except RuntimeError as e:  # no entry point: every call says why
            self._fast, self._missing = (lambda args: _NOT_TAKEN), str(e)
        else:
            self._fast = _quantc_rt.CallPath(module._jit, address, args, results,
                                             self.dim_groups, self.index_bounds)

    @property
    def signature(self):
        return "(" + ", ".join(map(_type_str, self.arg_types)) + ") -> (" + \
            ", ".join(map(_type_str, self.result_types)) + ")"

    def __repr__(self):
        return f"<compiled @{self.name} {self.signature}>"

    def __call__(self, *args):
        out = self._call_fast(args)
        if out is _NOT_TAKEN:
            out = self._call_fast(self._normalize(args))
        if out is _NOT_TAKEN:  # _normalize and CallPath disagree: a bug
            raise RuntimeError(f"@{self.name}: internal error: the call path "
                               f"refused the checked arguments {self.signature}")
        return out

    def _call_fast(self, args):
        try:
            return self._fast(args)
        # An index argument out of its table, a size out of its dim group's
        # range (the call path's messages name the argument).
        except (IndexError, ValueError) as e:
            raise type(e)(f"@{self.name} {e}") from None

    def _normalize(self, args):
        """`args` as the function takes them: each tensor a C-contiguous
        array of its element type and sizes, each scalar a 0-d array of its
        type; raises TypeError/ValueError for anything that cannot be passed
        without changing a value."""
        if self._missing:
            raise CompileError(self._missing)
        if self._unsupported:
            raise TypeError(f"@{self.name}: type {self._unsupported} cannot cross "
                            "the Python boundary")
        if len(args) != len(self.arg_types):
            raise TypeError(f"@{self.name} takes {len(self.arg_types)} arguments "
                            f"{self.signature}, got {len(args)}")
        out = []
        for i, (a, desc) in enumerate(zip(args, self.arg_types)):
            shaped, element, shape = desc
            dtype = np.dtype(_SCALARS[element])
            if not shaped:
                v = self._convert(_as_array(a, f"@{self.name} argument {i}"), dtype,
                                  i, desc)
                if v.ndim != 0:
                    raise ValueError(f"@{self.name} argument {i}: expected a scalar "
                                     f"{element}, got an array of shape {v.shape}")
                out.append(np.array(v, dtype))
                continue
            # (np.ascontiguousarray would turn a rank-0 array into rank 1.)
            arr = np.require(self._convert(_as_array(a, f"@{self.name} argument {i}"),
                                           dtype, i, desc),
                             requirements="C")
            if arr.ndim != len(shape) or any(d >= 0 and d != n for d, n in zip(shape, arr.shape)):
                raise ValueError(f"@{self.name} argument {i}: expected {_type_str(desc)}, "
                                 f"got shape {arr.shape}")
            out.append(arr)
        self._check_dim_groups(args)
        return tuple(out)

    def _convert(self, arr, dtype, i, desc):
        """`arr` as `dtype`: unchanged when it has that dtype, else converted
        only when every value survives the conversion exactly (300 is no i8,
        0.1 no f32); anything else raises instead of computing on changed
        numbers."""
        if arr.dtype == dtype:
            return arr
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"@{self.name} argument {i}: expected {_type_str(desc)}, "
                            f"got an array of {arr.dtype}")
        with np.errstate(all="ignore"):
            conv = arr.astype(dtype)
            back = conv.astype(arr.dtype)
        exact = np.array_equal(back, arr, equal_nan=arr.dtype.kind == "f")
        if exact and dtype.kind in "iu" and arr.dtype.kind in "iu":
            # Values, not bit patterns: int8 -1 survives the round trip
            # through uint8 (255) but is no u8 value.
            exact = np.array_equal(conv, arr)
        if exact and dtype.kind in "iub" and arr.dtype.kind == "f":
            exact = bool(np.all(np.isfinite(arr)))
        if not exact:
            raise TypeError(f"@{self.name} argument {i}: expected {_type_str(desc)}; "
                            f"the {arr.dtype} values do not all convert to {dtype} "
                            f"exactly (pass an array of {dtype})")
        return conv

    def _check_dim_groups(self, args):
        """Sizes the function's ops require to agree (e.g. the reduction
        dimension of a matmul's two operands): checked before the call, since
        the generated code trusts them and would read out of bounds."""
        for members, size, _, _ in self.dim_groups:
            seen = [(a, d, np.shape(args[a])[d]) for a, d in members]
            want = size if size >= 0 else seen[0][2]
            for a, d, n in seen:
                if n != want:
                    what = (f"must be {size}" if size >= 0 else
                            "must equal " + ", ".join(
                                f"dimension {d2} of argument {a2} ({n2})"
                                for a2, d2, n2 in seen if (a2, d2) != (a, d)))
                    raise ValueError(f"@{self.name}: dimension {d} of argument {a} "
                                     f"is {n} but {what} (the function's ops "
                                     f"tie these sizes together)")


class CompiledModule:
    """The public functions of a JIT-compiled module or a loaded artifact, as
    attributes and by name (`mod.forward(x)`, `mod["forward"](x)`)."""

    def __init__(self, jit, path=None):
        self._jit = jit
        self._path = path  # the artifact directory it was loaded from
        self.functions = {f[0]: CompiledFunction(self, *f) for f in jit.functions}

    def save(self, path):
        """Writes the module as an artifact directory `path` (created if
        needed; its manifest.json, code.so and state.bin are replaced):
        the code compiled for this CPU as a shared library, the state
        (packed weights) and a manifest with the signatures and the CPU
        features the code needs. `quantc.load(path)` runs it in another
        process without LLVM or MLIR; C programs load it with
        libquantc_runtime (docs/EMBEDDING.md). Raises CompileError when the
        code cannot be saved."""
        path = os.fspath(path)
        if self._path is not None:  # a loaded artifact: copy its files
            if os.path.abspath(path) != os.path.abspath(self._path):
                shutil.copytree(self._path, path, dirs_exist_ok=True)
            return
        ok, diags = self._jit.save(path)
        if not ok:
            raise CompileError(diags)

    def __getitem__(self, name):
        try:
            return self.functions[name]
        except KeyError:
            raise KeyError(f"no public function @{name}; have "
                           f"{sorted(self.functions)}") from None

    def __getattr__(self, name):
        if name.startswith("_") or name == "functions":
            raise AttributeError(name)
        try:
            return self.functions[name]
        except KeyError:
            raise AttributeError(f"no public function @{name}; have "
                                 f"{sorted(self.functions)}") from None

    def __dir__(self):
        return list(super().__dir__()) + list(self.functions)

    # Weights bound at load time (quantc-cpu-pipeline{weights=load}).

    @property
    def params(self):
        """The parameters `load_params` takes, in index order:
        [(name, dtype, shape)]; empty when the weights are compiled in."""
        return [(name, np.dtype(_PARAM_DTYPES[element]), tuple(shape))
                for name, element, shape, _ in self._jit.params]

    @property
    def state(self):
        """The load-time state globals in k order: [(symbol, bytes)]."""
        return [(symbol, nbytes) for symbol, nbytes, _ in self._jit.state]

    def load_params(self, src):
        """Rebinds the weights from `src`: a dict {name: array}, the path of
        a `.npz` file, or the path of a `.safetensors` file (read with mmap).
        Every parameter of `params` must be there with its dtype and shape
        (the stored form the compiled program reads: e.g. int8 for quantized
        weights); a missing, extra or mismatched one raises ValueError naming
        it. One pass over the weights: `__quantc_prepare` packs them into the
        module's state, after which `src` is no longer needed."""
        if isinstance(src, (str, os.PathLike)):
            path = os.fspath(src)
            if path.endswith(".npz"):
                with np.load(path, allow_pickle=False) as z:
                    arrays = {k: z[k] for k in z.files}
            elif path.endswith(".safetensors"):
                arrays = read_safetensors(path)
            else:
                raise ValueError(f"load_params: {path!r} is neither a .npz nor a "
                                 ".safetensors file")
        elif isinstance(src, dict):
            arrays = src
        else:
            raise TypeError("load_params(src): a dict of arrays, or a .npz or "
                            ".safetensors path")
        params = self._jit.params
        names = [p[0] for p in params]
        missing = [n for n in names if n not in arrays]
        if missing:
            raise ValueError(f"load_params: missing parameter(s) {missing}")
        extra = sorted(set(arrays) - set(names))
        if extra:
            raise ValueError(f"load_params: unknown parameter(s) {extra}; the module "
                             f"takes {names}")
        buffers = []
        for name, element, shape, _ in params:
            a = np.asarray(arrays[name])
            want = np.dtype(_PARAM_DTYPES[element])
            if a.dtype != want:
                raise ValueError(f"load_params: parameter {name!r} is {a.dtype}, the "
                                 f"module takes {want} ({element})")
            if tuple(a.shape) != tuple(shape):
                raise ValueError(f"load_params: parameter {name!r} has shape "
                                 f"{tuple(a.shape)}, the module takes {tuple(shape)}")
            if element == "i4" and a.size and (a.min() < -8 or a.max() > 7):
                raise ValueError(f"load_params: parameter {name!r} is i4 (one int8 per "
                                 f"element in [-8, 7]), but holds values in "
                                 f"[{a.min()}, {a.max()}]")
            buffers.append(np.ascontiguousarray(a))
        self._jit.bind_params(buffers)


# A parameter's storage as NumPy holds it (bf16 as its 16-bit pattern; i4 one
# int8 per element, in [-8, 7]).
_PARAM_DTYPES = {"f64": "<f8", "f32": "<f4", "f16": "<f2", "bf16": "<u2",
                 "i64": "<i8", "i32": "<i4", "i16": "<i2", "i8": "i1", "i4": "i1"}

# safetensors dtype names -> NumPy.
_SAFETENSORS_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2",
                       "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
                       "U8": "u1", "U16": "<u2", "U32": "<u4", "U64": "<u8",
                       "BOOL": "?"}


def read_safetensors(path):
    """{name: array} of a `.safetensors` file, read in place through mmap:
    an 8-byte little-endian header length, a JSON header {name: {dtype,
    shape, data_offsets}} (and an optional __metadata__), then the raw
    little-endian bytes. Raises ValueError on a malformed file."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise ValueError(f"{path}: not a safetensors file (shorter than 8 bytes)")
        (n,) = struct.unpack("<Q", head)
        if n > size - 8:
            raise ValueError(f"{path}: header length {n} exceeds the file")
        try:
            header = json.loads(f.read(n))
        except ValueError as e:
            raise ValueError(f"{path}: the header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path}: the header is not a JSON object")
    data = np.memmap(path, dtype=np.uint8, mode="r") if size > 8 + n else \
        np.zeros(0, np.uint8)
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype = np.dtype(_SAFETENSORS_DTYPES[info["dtype"]])
            shape = tuple(int(d) for d in info["shape"])
            start, end = (int(o) for o in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{path}: tensor {name!r}: bad entry {info!r} (dtype "
                             f"one of {sorted(_SAFETENSORS_DTYPES)}, shape, "
                             "data_offsets)") from None
        count = int(np.prod(shape, dtype=np.int64))
        if not 0 <= start <= end <= size - base or end - start != count * dtype.itemsize:
            raise ValueError(f"{path}: tensor {name!r}: data_offsets [{start}, {end}) "
                             f"do not hold {shape} {info['dtype']}")
        out[name] = data[base + start:base + end].view(dtype).reshape(shape)
    return out


def compile_cpu(ir, pipeline="quantc-cpu-pipeline", *, opt_level=3, shared_libs=()):
    """Lowers `ir` with `pipeline` (default --quantc-cpu-pipeline) and
    JIT-compiles it for the host CPU with MLIR's ExecutionEngine. Functions
    take and return tensors as NumPy arrays. `shared_libs` provide external
    symbols (e.g. /usr/lib/llvm-22/lib/libmlir_c_runner_utils.so)."""
    if not isinstance(ir, str):
        raise TypeError("compile_cpu(ir: str)")
    jit, diags = _compiler().jit_compile(ir, pipeline, int(opt_level), list(shared_libs))
    if jit is None:
        raise CompileError(diags)
    return CompiledModule(jit)


class Module:
    """A module kept in C++ across pipeline runs, with its constants as
    resource blobs: `Module(ir, blobs)` parses `ir` and binds each array of
    `blobs` ({name: NumPy array}) to the `dense_resource<name>` constants of
    the text, in place (a C-contiguous array is not copied; it is kept alive
    while the module needs it). Derived weights (smoothed, quantized, packed)
    are blobs too. Only the program goes through text, so its size and the
    passes' parsing and printing time do not grow with the weights."""

    def __init__(self, ir, blobs=None):
        if not isinstance(ir, str):
            raise TypeError("Module(ir: str, blobs: dict)")
        arrays = {}
        for name, a in (blobs or {}).items():
            if not isinstance(name, str):
                raise TypeError(f"Module: blob names must be str, got {name!r}")
            a = np.asarray(a)
            if a.dtype == np.bool_:
                raise TypeError(f"Module: blob {name!r} is bool; pass it as int8 "
                                "(i1 resources do not lower to LLVM)")
            arrays[name] = np.ascontiguousarray(a)
        handle, diags = _compiler().parse_module(ir, arrays)
        if handle is None:
            raise CompileError(diags)
        self._handle = handle

    def run(self, pipeline):
        """Runs `pipeline` on the module in place; returns the diagnostics
        (remarks, warnings) of a successful run, raises CompileError else."""
        if not isinstance(pipeline, str):
            raise TypeError("Module.run(pipeline: str)")
        ok, diags = self._handle.run(pipeline)
        if not ok:
            raise CompileError(diags)
        return diags

    def mlir(self, elide_resources_over=64):
        """The module as text, resource blobs larger than
        `elide_resources_over` bytes elided (None: all printed, so that the
        text parses back with its values)."""
        return self._handle.print(-1 if elide_resources_over is None
                                  else int(elide_resources_over))

    def set_keep_float(self, layers, keep):
        """Adds (`keep`) or removes `quantc.keep_float` on the ops tagged
        `quantc.layer` with one of `layers`."""
        self._handle.set_keep_float(list(layers), bool(keep))

    def resources(self):
        """{name: size in bytes} of the blobs the module uses."""
        return dict(self._handle.resources())

    def blob(self, name, dtype=np.uint8, shape=None):
        """A copy of the bytes of resource `name` as a NumPy array of `dtype`
        (and `shape`): e.g. the quantized weights that
        `CompiledModule.load_params` takes (`params` names them). KeyError
        when the module has no such blob."""
        data = self._handle.blob(name)
        if data is None:
            raise KeyError(f"no resource blob {name!r}")
        a = np.frombuffer(data, dtype=dtype)
        return a.reshape(shape) if shape is not None else a

    @classmethod
    def merge(cls, parts):
        """One module holding the functions of several: `parts` is a dict
        {new name: (module, function name in it)} (or {new name: module},
        its function "forward"). The parts are not changed. Blobs with the
        same type and bytes are bound once, so a weight that several
        functions read is one blob and, compiled with weights bound at load
        time, one parameter packed once. Raises CompileError when a part has
        no such function."""
        if not isinstance(parts, dict) or not parts:
            raise TypeError("Module.merge(parts): a non-empty dict {name: (Module, "
                            "function name)}")
        triples = []
        for to, part in parts.items():
            if isinstance(part, Module):
                part = (part, "forward")
            if not isinstance(to, str) or not isinstance(part, tuple) or len(part) != 2 \
                    or not isinstance(part[0], Module) or not isinstance(part[1], str):
                raise TypeError(f"Module.merge: part {to!r} must be a Module or a "
                                "(Module, function name) tuple under a str name")
            triples.append((part[0]._handle, part[1], to))
        handle, diags = _compiler().merge_modules(triples)
        if handle is None:
            raise CompileError(diags)
        self = cls.__new__(cls)
        self._handle = handle
        return self

    def compile(self, pipeline="quantc-cpu-pipeline{weights=load}", *, opt_level=3,
                shared_libs=()):
        """JIT-compiles a copy of the module (sharing its blobs), as
        compile_cpu does for text. By default the weights (the blobs) are
        bound at load time: they are not compiled into the code but packed
        once, right after compilation, into the module's state
        (`CompiledModule.load_params` rebinds them); pass
        "quantc-cpu-pipeline" to compile them in as constants."""
        jit, diags = _compiler().jit_compile_module(self._handle, pipeline, int(opt_level),
                                                list(shared_libs))
        if jit is None:
            raise CompileError(diags)
        return CompiledModule(jit)


def load(path):
    """Loads an artifact directory written by `CompiledModule.save` (or by
    the save of TorchModel.compile()'s callable): a CompiledModule whose
    functions take and check arguments exactly as the compiled module's did.
    Needs neither LLVM nor MLIR; the code is not recompiled. Raises
    LoadError (with the runtime's message) when the artifact cannot run
    here, e.g. on a CPU without the features it was compiled for."""
    path = os.fspath(path)
    try:
        artifact = _quantc_rt.Artifact(path)
    except RuntimeError as e:
        raise LoadError(str(e)) from None
    return CompiledModule(artifact, path)
