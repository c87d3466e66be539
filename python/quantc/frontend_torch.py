"""The PyTorch frontend: trace a module, calibrate it, quantize it per layer,
compile it.

    m = quantc.from_torch(module, example_args)   # ATen graph -> float MLIR + parameters
    m.calibrate(batches)                           # per-channel absmax at every GEMM input
    m.quantize(scheme="w8a8", smoothquant=0.5,
               overrides={"layers.0.mlp.down": {"scheme": "w8a16"}, "lm_head": None})
    print(m.mlir())                                # IR at the current stage
    print(m.report())                              # per layer: scheme, alpha, float channels
    exe = m.compile(target="cpu")                  # exe(*numpy_arrays) -> numpy array(s)

Tracing and translation live in torch_trace.py and torch_emit.py. The
quantization itself is quantc's passes, run in stages on the same module
(each stage releases only its layers by removing their `quantc.keep_float`):
`--quantc-outlier-split` (llm.int8), `--quantc-smoothquant` (one run per
alpha), `--quantc-quantize` (one run per activation granularity),
`--quantc-verify-gemm`, then `--quantc-fuse`.
"""
import os
import re
import sys
import warnings

import numpy as np

from .compiler import CompileError, Module
from .observers import AbsMaxObserver, PercentileObserver
from .smoothquant import search_alpha
from .torch_emit import (UnsupportedOpError, analyze, check_supported, emit,
                         token_limit, token_minimum)
from .torch_trace import root_name, to_numpy, trace

__all__ = ["from_torch", "from_torch_multi", "TorchModel", "TorchProgram", "CompiledProgram",
           "UnsupportedOpError", "SCHEMES"]

# scheme -> (needs calibration statistics, --quantc-quantize activations=)
SCHEMES = {
    "w8a8": "per-token",
    "w8a8-static": "per-tensor",
    "w8a16": "none",
    "w4a16": "none",
    "llm.int8": "per-token",
}
# Schemes whose activations are quantized (SmoothQuant applies to them).
_INT8_ACT = ("w8a8", "w8a8-static")
# quantize() runs --quantc-smoothquant with defer-weights (the smoothing is
# applied inside --quantc-quantize); benchmarks/cpu/compile_memory.py turns it
# off to time the materialized smoothed weight side by side.
_DEFER_SMOOTHING = True
_SAMPLE_ROWS = 512  # calibration rows kept per GEMM input for the alpha search


# Strided copies of the lowered tensor ops (slices, transposes of views) call
# MLIR's runtime `memrefCopy`.
_RUNTIME = "/usr/lib/llvm-22/lib/libmlir_c_runner_utils.so"


def _w4_group(channels):
    """The W4A16 scale group along the input channels: the largest of 128,
    64, 32 that divides them, 0 (one scale per output channel) if none."""
    return next((g for g in (128, 64, 32) if channels % g == 0), 0)


def _compile(module, name):
    libs = [_RUNTIME] if os.path.exists(_RUNTIME) else []
    return module.compile(shared_libs=libs)[name]


class _Progress:
    """A progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, total, what):
        self.total, self.what, self.n = total, what, 0
        self.tty = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()

    def step(self):
        self.n += 1
        if self.tty:
            if self.total:
                done = int(30 * self.n / self.total)
                bar = "#" * done + "." * (30 - done)
                sys.stderr.write(f"\r{self.what} [{bar}] {self.n}/{self.total}")
            else:
                sys.stderr.write(f"\r{self.what}: {self.n} batches")
            sys.stderr.flush()

    def close(self):
        if self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()


def from_torch(module, example_args, dynamic_dims=None):
    """Traces `module(*example_args)` (torch.Tensors or NumPy arrays) into a
    TorchModel in float form. `dynamic_dims` ({argument index: dimension or
    [dimensions]}, e.g. {0: 0}) names the token-count dimensions: the model
    is traced at two token counts, the IR has `?` for every dimension that
    follows the token count, and the compiled model takes any token count
    (up to the size of the buffers it slices, `TorchModel.token_limit`)."""
    return TorchModel(module, example_args, dynamic_dims)


def _attention_kinds(attention):
    """The activation-GEMM kinds (a subset of {"qk", "pv"}) that
    `quantize(attention=)` puts in int8; a ValueError for anything but
    "int8", "float" or a dict {"qk": "int8"|"float", "pv": "int8"|"float"}."""
    if isinstance(attention, str) and attention in ("int8", "float"):
        return frozenset(("qk", "pv")) if attention == "int8" else frozenset()
    if isinstance(attention, dict):
        unknown = set(attention) - {"qk", "pv"}
        if unknown:
            raise ValueError(f"quantize: attention has unknown keys {sorted(unknown)} "
                             "(qk, pv)")
        for k, v in attention.items():
            if not (isinstance(v, str) and v in ("int8", "float")):
                raise ValueError(f"quantize: attention[{k!r}] must be 'int8' or 'float', "
                                 f"got {v!r}")
        return frozenset(k for k in ("qk", "pv") if attention.get(k, "int8") == "int8")
    raise ValueError("quantize: attention must be 'int8', 'float' or a dict {'qk': ..., "
                     f"'pv': ...}}, got {attention!r}")


class TorchModel:
    """A traced PyTorch module: its float IR, parameters, calibration
    statistics and, after `quantize`, its quantized IR."""

    def __init__(self, module, example_args, dynamic_dims=None):
        self._graph = trace(module, example_args, dynamic_dims)
        self._consts, self._live, self.layers = analyze(self._graph)
        check_supported(self._graph, self._consts, self._live)
        self.token_limit = token_limit(self._graph, self._consts, self._live)
        """(largest token count, the op that fixes it) of a dynamic model
        slicing fixed-size buffers, else None."""
        self.token_minimum = token_minimum(self._graph, self._consts, self._live)
        """(smallest token count, the op that fixes it) of a dynamic model
        taking a fixed-size slice of the token dimension, else None."""
        self.parameters = {}
        """Qualified name -> float32 NumPy array of every parameter and buffer
        the graph reads."""
        for node, name in self._graph.param_of.items():
            self.parameters[name] = self._graph.values[node].detach().numpy()
        self.arg_shapes = [tuple(None if d in self._graph.dynamic_args.get(i, ()) else n
                                 for d, n in enumerate(a.shape))
                           for i, a in enumerate(self._graph.example_args)]
        """Per argument its traced shape, None for the token-count dimensions."""
        self.arg_dtypes = [a.numpy().dtype for a in self._graph.example_args]
        # The weights stay NumPy arrays (views of the module's tensors) bound
        # to dense_resource constants: they never go through text.
        self._module = Module(*emit(self._graph, self._consts, self._live, self.layers))
        self._module.run("quantc-verify-gemm")
        self.stage = "float"
        self.statistics = {}
        """GEMM input node -> per-channel statistic ([C] float32) after calibrate."""
        self._samples = {}
        self._choices = []

    # -- inspection --------------------------------------------------------
    @property
    def layer_names(self):
        """Names of the GEMMs with a constant weight, in program order."""
        return [layer.name for layer in self.layers]

    def mlir(self):
        """The IR at the current stage ("float" or "quantized"), as text, the
        weights shown as `dense_resource<name>` (their bytes elided)."""
        return self._module.mlir()

    def _check_args(self, args, what):
        if isinstance(args, list):
            args = tuple(args)
        if not isinstance(args, tuple):
            if len(self.arg_shapes) == 1:
                args = (args,)
            else:
                raise TypeError(f"{what}: expected a tuple of {len(self.arg_shapes)} "
                                f"arguments, got {type(args).__name__}")
        if len(args) != len(self.arg_shapes):
            raise TypeError(f"{what}: expected {len(self.arg_shapes)} arguments, "
                            f"got {len(args)}")
        out, ntok = [], None
        for i, (a, shape, dtype) in enumerate(zip(args, self.arg_shapes, self.arg_dtypes)):
            a = to_numpy(a, f"{what}, argument {i}")
            fixed = tuple("N" if s is None else s for s in shape)
            if a.ndim != len(shape) or any(s is not None and s != n
                                           for s, n in zip(shape, a.shape)):
                raise ValueError(f"{what}, argument {i}: shape {tuple(a.shape)} does not "
                                 f"match the traced shape {fixed} (the model is compiled "
                                 "for the example arguments' shapes"
                                 + (", N any token count)" if None in shape else ")"))
            for s, n in zip(shape, a.shape):
                if s is None:
                    if ntok is not None and n != ntok:
                        raise ValueError(f"{what}, argument {i}: token count {n} differs "
                                         f"from {ntok} in the other dynamic dimensions")
                    ntok = n
            if ntok is not None and ntok < 1:
                raise ValueError(f"{what}, argument {i}: token count {ntok} (at least 1)")
            if ntok is not None and self.token_minimum and ntok < self.token_minimum[0]:
                raise ValueError(f"{what}: token count {ntok} is below {self.token_minimum[0]}"
                                 f", the least that {self.token_minimum[1]} allows")
            if ntok is not None and self.token_limit and ntok > self.token_limit[0]:
                raise ValueError(f"{what}: token count {ntok} exceeds {self.token_limit[0]}, "
                                 f"the most that {self.token_limit[1]} allows")
            if a.dtype != dtype:
                raise TypeError(f"{what}, argument {i}: dtype {a.dtype} does not match "
                                f"the traced dtype {dtype}")
            # (np.ascontiguousarray would turn a 0-d array into shape (1,).)
            out.append(np.require(a, requirements="C"))
        return out

    # -- calibration -------------------------------------------------------
    def calibrate(self, batches, *, statistic="absmax", percentile=99.99):
        """Runs the float model (compiled by quantc: the same graph) on
        `batches` (an iterable of argument tuples) and records per-channel
        max |x| (`statistic="absmax"`) or the `percentile` of |x`
        (`statistic="percentile"`) at every GEMM input. Returns self."""
        if statistic not in ("absmax", "percentile"):
            raise ValueError(f"statistic must be 'absmax' or 'percentile', got {statistic!r}")
        if statistic == "percentile" and not 0 < float(percentile) <= 100:
            raise ValueError(f"percentile must be in (0, 100], got {percentile}")
        if self.stage != "float":
            raise RuntimeError("calibrate() runs on the float model: call it before quantize()")
        if isinstance(batches, (str, bytes)) or not hasattr(batches, "__iter__"):
            raise TypeError("calibrate(batches): expected an iterable of argument tuples")
        acts = sorted({layer.act for layer in self.layers},
                      key=[layer.act for layer in self.layers].index)
        fn = _compile(Module(*emit(self._graph, self._consts, self._live, self.layers,
                                   extra_outputs=acts, name="calibrate")), "calibrate")
        cls = AbsMaxObserver if statistic == "absmax" else PercentileObserver
        observers = {a: cls() for a in acts}
        samples = {a: [] for a in acts}
        n_out = len(fn.result_types) - len(acts)
        total = len(batches) if hasattr(batches, "__len__") else None
        bar = _Progress(total, "quantc calibrate")
        count = 0
        try:
            for b in batches:
                args = self._check_args(b, f"calibration batch {count}")
                res = fn(*args)
                res = res if isinstance(res, tuple) else (res,)
                for a, x in zip(acts, res[n_out:]):
                    observers[a].update(x)
                    kept = sum(len(s) for s in samples[a])
                    if kept < _SAMPLE_ROWS:
                        samples[a].append(x[:_SAMPLE_ROWS - kept].copy())
                count += 1
                bar.step()
        finally:
            bar.close()
        if count == 0:
            raise ValueError("calibrate(batches): no batches")
        for a in acts:
            o = observers[a]
            self.statistics[a] = (o.absmax if statistic == "absmax"
                                  else o.percentile(percentile)).astype(np.float32)
            self._samples[a] = np.concatenate(samples[a])
        return self

    def share_statistics(self, other):
        """Takes the calibration statistics of `other` (another trace of the
        same weights, e.g. a decode step next to the prefill) for every layer
        of the same name, so both quantize alike (same SmoothQuant factors).
        A layer `other` lacks is a KeyError. Returns self."""
        if self.stage != "float":
            raise RuntimeError("share_statistics() runs on the float model: call it "
                               "before quantize()")
        theirs = {layer.name: layer.act for layer in other.layers}
        for layer in self.layers:
            if layer.name not in theirs:
                raise KeyError(f"share_statistics: layer {layer.name!r} is not in the "
                               f"other model (its layers are {other.layer_names})")
            act = theirs[layer.name]
            if act not in other.statistics:
                raise RuntimeError("share_statistics: the other model is not calibrated")
            self.statistics[layer.act] = other.statistics[act]
            self._samples[layer.act] = other._samples[act]
        return self

    def layer_statistics(self, name):
        """The calibrated statistic ([C]) at the input of layer `name`."""
        layer = self._layer(name)
        if layer.act not in self.statistics:
            raise RuntimeError("no calibration statistics: call calibrate() first")
        return self.statistics[layer.act]

    def _layer(self, name):
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"no layer {name!r}; the layers are {self.layer_names}")

    # -- quantization ------------------------------------------------------
    def _planned_schemes(self, target, tokens):
        """{layer name: scheme override} from --quantc-select-scheme on the
        float IR."""
        if not isinstance(target, str) or not target:
            raise TypeError(f"quantize: target must be a preset name or a target file "
                            f"path, got {target!r}")
        opts = []
        if target in ("host-cpu", "h100", "h200"):
            opts.append(f"target={target}")
        elif not os.path.isfile(target):
            raise ValueError(f"quantize: target {target!r} is neither a preset "
                             "(host-cpu, h100, h200) nor a readable target file")
        else:
            opts.append(f"target-file={target}")
        if tokens is not None:
            if isinstance(tokens, int):
                tokens = (tokens,)
            if not tokens or not all(isinstance(t, int) and not isinstance(t, bool) and t > 0
                                      for t in tokens):
                raise ValueError(f"quantize: tokens must be positive integers, got {tokens!r}")
            opts.append("tokens=" + ",".join(str(t) for t in tokens))
        m = Module(*emit(self._graph, self._consts, self._live, self.layers))
        m.run("builtin.module(quantc-select-scheme{" + " ".join(opts) + "})")
        ir = m.mlir()
        chosen = {}
        for line in ir.splitlines():
            layer = re.search(r'quantc\.layer = "([^"]+)"', line)
            mark = re.search(r'quantc\.scheme = "([^"]+)"', line)
            if layer and mark:
                chosen[layer.group(1)] = mark.group(1)
        overrides = {}
        for layer in self.layers:
            s = chosen.get(layer.name)
            if s is None:
                continue
            overrides[layer.name] = None if s == "float" else {"scheme": s}
        self.planned_schemes = dict(chosen)
        return overrides

    def _resolve(self, scheme, smoothquant, overrides, threshold):
        def check_scheme(s, where):
            if s is not None and s not in SCHEMES:
                raise ValueError(f"{where}: unknown scheme {s!r}; the schemes are "
                                 f"{sorted(SCHEMES)} (or None for float)")

        def check_alpha(a, where):
            if a is None or (isinstance(a, str) and a == "search"):
                return
            if isinstance(a, bool) or not isinstance(a, (int, float)) or not 0 <= a <= 1:
                raise ValueError(f"{where}: smoothquant must be None, 'search' or an alpha "
                                 f"in [0, 1], got {a!r}")

        check_scheme(scheme, "quantize")
        check_alpha(smoothquant, "quantize")
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) \
                or not threshold > 0:
            raise ValueError(f"quantize: threshold must be a positive number, got {threshold!r}")
        plan = {layer.name: {"scheme": scheme, "smoothquant": smoothquant,
                             "threshold": float(threshold)} for layer in self.layers}
        explicit = {}
        if overrides is None:
            overrides = {}
        if not isinstance(overrides, dict):
            raise TypeError(f"quantize: overrides must be a dict, got {type(overrides).__name__}")
        for key, val in overrides.items():
            if not isinstance(key, str):
                raise TypeError(f"quantize: override keys are layer or module names, got {key!r}")
            hit = [layer.name for layer in self.layers
                   if layer.name == key or layer.name.startswith(key + ".")
                   or layer.module == key or layer.module.startswith(key + ".")]
            if not hit:
                raise KeyError(f"quantize: override {key!r} names no layer or module "
                               f"with layers; the layers are {self.layer_names}")
            if val is None:
                val = {"scheme": None}
            if not isinstance(val, dict):
                raise TypeError(f"quantize: override {key!r} must be None or a dict "
                                f"like {{'scheme': 'w8a16'}}, got {val!r}")
            unknown = set(val) - {"scheme", "smoothquant", "threshold"}
            if unknown:
                raise ValueError(f"quantize: override {key!r} has unknown keys "
                                 f"{sorted(unknown)} (scheme, smoothquant, threshold)")
            check_scheme(val.get("scheme", scheme), f"override {key!r}")
            check_alpha(val.get("smoothquant", smoothquant), f"override {key!r}")
            for name in hit:
                plan[name].update(val)
                # An override naming the layer itself (not a module above it).
                if name == key:
                    explicit.setdefault(name, {}).update(val)
        # A convolution runs as W8A8 (activations per image or per tensor)
        # or in float; SmoothQuant's per-input-channel factor does not apply
        # to it. A model-wide (or module-wide) choice skips it: no smoothing,
        # and float under a weight-only scheme, with a warning; an override
        # naming the convolution itself is an error.
        for layer in self.layers:
            if layer.kind != "conv":
                continue
            p, mine = plan[layer.name], explicit.get(layer.name, {})
            if p["scheme"] not in (None, "w8a8", "w8a8-static"):
                if "scheme" in mine:
                    raise ValueError(
                        f"quantize: layer {layer.name!r} is a convolution: its scheme must "
                        f"be 'w8a8', 'w8a8-static' or None (float), got {p['scheme']!r} "
                        "(the weight-only kernels take matmuls)")
                warnings.warn(f"quantize: convolution {layer.name!r} stays float: scheme "
                              f"{p['scheme']!r} is weight-only and the weight-only kernels "
                              "take matmuls (override it with {'scheme': 'w8a8'} to run it "
                              "as int8)", stacklevel=3)
                p["scheme"] = None
            if mine.get("smoothquant") is not None:
                raise ValueError(
                    f"quantize: layer {layer.name!r} is a convolution: SmoothQuant does not "
                    "apply to it (smoothquant must be None in its override)")
            p["smoothquant"] = None
        return plan

    def quantize(self, scheme="w8a8", smoothquant=0.5, overrides=None, *, threshold=6.0,
                 attention=None, target="host-cpu", tokens=None):
        """Quantizes every layer with `scheme` ("w8a8": int8 weights per
        output channel, int8 activations per token (dynamic); "w8a8-static":
        per-tensor static activations from calibration; "w8a16": int8
        weights, float activations; "llm.int8": input channels whose
        calibrated absmax exceeds `threshold` in a float GEMM, the rest
        w8a8; "w4a16": 4-bit weights in [-7, 7] with a scale per group of
        128 input channels (the largest of 128, 64, 32 that divides C; per
        output channel when none does) and output channel, float
        activations) and SmoothQuant `smoothquant` (None:
        off; alpha in [0, 1]; "search": the alpha minimising each layer's
        W8A8 error on the calibration rows). `overrides` maps layer or
        module names to {"scheme": ..., "smoothquant": ..., "threshold": ...}
        or None (float). `attention` ("int8" or "float"): the GEMMs of two
        activations (Q·Kᵀ, P·V) in int8 with dynamic scales (left operand
        per row, right per column, both per head: Q, K and P per token, V
        per channel) or in float; default int8 when `scheme` quantizes
        activations (w8a8, w8a8-static, llm.int8); a dict {"qk": ..., "pv":
        ...} ("int8" or "float" each, a missing key int8) sets the two apart
        (P·V: the GEMMs whose left operand is a softmax or exp output, Q·Kᵀ:
        the others). `scheme="auto"` asks
        --quantc-select-scheme (the design's cost table with `target`'s peaks:
        "host-cpu", "h100", "h200" or a target file written by quantc-probe,
        at the token counts `tokens`, e.g. (512, 1)) for each layer's scheme
        (W4A16 choices run as "w4a16" above). Ends in the fused integer form;
        returns self."""
        if scheme == "auto":
            scheme, auto = "w8a8", self._planned_schemes(target, tokens)
            overrides = {**auto, **(overrides or {})}
        if attention is None:
            attention = "int8" if scheme in ("w8a8", "w8a8-static", "llm.int8") else "float"
        int8_gemms = _attention_kinds(attention)
        if self.stage != "float":
            raise RuntimeError("quantize() was already called: trace the module again "
                               "(quantc.from_torch) to quantize it differently")
        plan = self._resolve(scheme, smoothquant, overrides, threshold)
        for layer in self.layers:
            p = plan[layer.name]
            if p["scheme"] not in _INT8_ACT:
                p["smoothquant"] = None
            needs = p["smoothquant"] is not None or p["scheme"] in ("w8a8-static", "llm.int8")
            if needs and layer.act not in self.statistics:
                raise RuntimeError(f"layer {layer.name!r}: scheme {p['scheme']!r} with "
                                   f"smoothquant={p['smoothquant']!r} needs calibration "
                                   "statistics: call calibrate(batches) first")
        self._search_alphas(plan)
        observe = {}
        for layer in self.layers:
            p = plan[layer.name]
            if p["scheme"] is not None and layer.act in self.statistics:
                observe[layer.act] = self.statistics[layer.act]
        module = Module(*emit(self._graph, self._consts, self._live, self.layers,
                              observe=observe, keep_float=self.layer_names,
                              int8_attention=int8_gemms))
        remarks = []

        def stage(names, pipeline):
            # Only `names` are released (their quantc.keep_float removed) for
            # this stage; afterwards they are held again so that a later
            # stage does not transform them twice.
            if not names:
                return
            module.set_keep_float(names, False)
            remarks.append(module.run(pipeline))
            module.set_keep_float(names, True)

        by = lambda pred: [n for n in self.layer_names if pred(plan[n])]  # noqa: E731
        for t in sorted({p["threshold"] for p in plan.values()}):
            stage(by(lambda p: p["scheme"] == "llm.int8" and p["threshold"] == t),
                  f"quantc-outlier-split{{threshold={t!r}}}")
        for a in sorted({p["smoothquant"] for p in plan.values()
                         if p["smoothquant"] is not None}):
            # defer-weights: each quantize stage below applies the smoothing
            # factor as it quantizes the weight (never storing the smoothed
            # f32 weight); every smoothed layer has an int8-activation scheme.
            defer = " defer-weights=true" if _DEFER_SMOOTHING else ""
            stage(by(lambda p: p["smoothquant"] == a),
                  f"quantc-smoothquant{{alpha={a!r}{defer}}}")
        for s in ("w8a8", "w8a8-static", "w8a16"):
            stage(by(lambda p: p["scheme"] == s),
                  f"quantc-quantize{{activations={SCHEMES[s]}}}")
        groups = {layer.name: _w4_group(layer.shape[1]) for layer in self.layers}
        for g in (128, 64, 32, 0):
            stage([n for n in self.layer_names
                   if plan[n]["scheme"] == "w4a16" and groups[n] == g],
                  f"quantc-quantize{{activations=none weight-bits=4 group-size={g}}}")
        # Quantized layers no longer need the hold; float ones keep it.
        module.set_keep_float(by(lambda p: p["scheme"] is not None), False)
        # Convolutions become GEMMs (or the depthwise kernel) before the fuse
        # makes them int8.
        convs = any(layer.kind == "conv" for layer in self.layers)
        module.run("quantc-verify-gemm," + ("quantc-conv-to-gemm," if convs else "")
                   + "quantc-fuse")
        self._module = module
        self.stage = "quantized"
        self.attention = attention
        self._choices = []
        for layer in self.layers:
            p = plan[layer.name]
            kept = 0
            if p["scheme"] == "llm.int8":
                kept = int(np.sum(self.statistics[layer.act] > p["threshold"]))
            self._choices.append((layer.name, p["scheme"] or "float", p["smoothquant"], kept,
                                  layer.shape, groups[layer.name]))
        return self

    def _search_alphas(self, plan):
        """Replaces smoothquant="search" by the alpha that minimises the W8A8
        error of the layers sharing each input (they share one factor)."""
        groups = {}
        for layer in self.layers:
            if plan[layer.name]["smoothquant"] == "search":
                groups.setdefault(layer.act, []).append(layer)
        for act, layers in groups.items():
            w = np.concatenate([layer.weight for layer in layers])
            best = search_alpha(self._samples[act], w)
            for layer in layers:
                plan[layer.name]["smoothquant"] = best

    def report(self):
        """What quantize chose per layer, as a printable table."""
        if not self._choices:
            return "float model (quantize() not called)"
        rows = [("layer", "shape [D, C]", "scheme", "smoothquant alpha", "float channels")]
        for name, scheme, alpha, kept, shape, group in self._choices:
            if scheme == "w4a16":
                scheme += f" (g={group})" if group else " (per channel)"
            rows.append((name, f"{shape[0]}x{shape[1]}", scheme,
                         "-" if alpha is None else f"{alpha:g}",
                         str(kept) if scheme == "llm.int8" else "-"))
        width = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, width)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in width))
        lines.append(f"activation x activation GEMMs (attention): {self.attention}")
        return "\n".join(lines)

    @property
    def choices(self):
        """[(layer, scheme, alpha, float channels)] chosen by quantize."""
        return [c[:4] for c in self._choices]

    # -- compilation -------------------------------------------------------
    def compile(self, target="cpu"):
        """JIT-compiles the current IR; returns a callable taking the
        arguments (NumPy arrays or torch tensors, the traced shapes) and
        returning NumPy array(s)."""
        if target != "cpu":
            raise ValueError(f"compile: unknown target {target!r}; the PyTorch frontend "
                             "compiles for 'cpu'")
        fn = _compile(self._module, "forward")
        model = self

        def run(*args):
            return fn(*model._check_args(args, "compiled model"))
        run.signature = fn.signature
        # [(argument, rows)]: the index arguments every call checks.
        run.index_bounds = fn.index_bounds
        # An artifact of the compiled module (CompiledModule.save); quantc.load
        # gives it back with `forward` taking NumPy arrays.
        run.save = fn._module.save
        # The weights are bound at load time: rebind them from a dict, .npz
        # or .safetensors (CompiledModule.load_params).
        run.params = fn._module.params
        run.state = fn._module.state
        run.load_params = fn._module.load_params
        return run


def from_torch_multi(functions):
    """Traces several modules that share parameters (e.g. a decoder's prefill
    and decode step: the same torch parameter objects, so the same names)
    into one TorchProgram: `functions` is {name: (module, example_args)} or
    {name: (module, example_args, dynamic_dims)}, as `from_torch` takes
    them. Calibrated, quantized and compiled together, the functions become
    one compiled module with one set of parameters."""
    if not isinstance(functions, dict) or not functions:
        raise TypeError("from_torch_multi(functions): a non-empty dict {name: (module, "
                        "example_args[, dynamic_dims])}")
    models = {}
    for name, spec in functions.items():
        if not isinstance(spec, tuple) or len(spec) not in (2, 3):
            raise TypeError(f"from_torch_multi: function {name!r} must be (module, "
                            "example_args) or (module, example_args, dynamic_dims)")
        models[name] = TorchModel(*spec)
    return TorchProgram(models)


class TorchProgram:
    """Several TorchModels of shared parameters compiled into one module:
    `TorchProgram({"prefill": tm1, "decode": tm2})` (or `from_torch_multi`).
    A weight two functions read is one parameter, bound and packed once, so
    it must be quantized the same way in both: `calibrate` shares one
    function's statistics with the others (by layer name), `quantize`
    applies the same options to every function, and `compile` refuses
    functions whose shared layers differ in scheme, SmoothQuant alpha or
    calibration statistics (a ValueError naming the layer), instead of
    keeping two copies of the weight."""

    def __init__(self, models):
        if not isinstance(models, dict) or not models:
            raise TypeError("TorchProgram(models): a non-empty dict {name: TorchModel}")
        for name, m in models.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"TorchProgram: function name {name!r} must be an "
                                 "identifier (it names the compiled function)")
            if not isinstance(m, TorchModel):
                raise TypeError(f"TorchProgram: {name!r} is a {type(m).__name__}, not a "
                                "TorchModel (quantc.from_torch)")
        self.models = dict(models)
        """Function name -> TorchModel."""

    def __getitem__(self, name):
        return self.models[name]

    def calibrate(self, batches, *, function=None, **options):
        """Calibrates `function` (default: the first) on `batches` (its
        argument tuples; `options` as TorchModel.calibrate) and gives every
        other function the statistics of its layers (share_statistics: a
        layer the calibrated function lacks is a KeyError). Returns self."""
        name = function if function is not None else next(iter(self.models))
        if name not in self.models:
            raise KeyError(f"calibrate: no function {name!r}; have {list(self.models)}")
        src = self.models[name].calibrate(batches, **options)
        for other, m in self.models.items():
            if other != name:
                m.share_statistics(src)
        return self

    def quantize(self, *args, **kwargs):
        """TorchModel.quantize with the same arguments on every function,
        then the check that shared layers agree. Returns self."""
        for m in self.models.values():
            m.quantize(*args, **kwargs)
        self.check_shared()
        return self

    def report(self):
        """Each function's quantization report."""
        return "\n\n".join(f"@{name}:\n{m.report()}" for name, m in self.models.items())

    @staticmethod
    def _decision(m, layer):
        if m.stage == "float":
            return ("float", None, 0, layer.shape, 0), None
        for name, scheme, alpha, kept, shape, group in m._choices:
            if name == layer.name:
                stats = m.statistics.get(layer.act) if (
                    alpha is not None or scheme in ("w8a8-static", "llm.int8")) else None
                return (scheme, alpha, kept, shape, group), stats
        raise AssertionError(layer.name)

    def check_shared(self):
        """Raises ValueError when a layer (a weight) that several functions
        read is quantized differently in two of them."""
        seen = {}
        for fname, m in self.models.items():
            for layer in m.layers:
                decision, stats = self._decision(m, layer)
                if layer.name not in seen:
                    seen[layer.name] = (fname, decision, stats)
                    continue
                other, d0, s0 = seen[layer.name]
                why = None
                if d0 != decision:
                    fmt = lambda d: f"scheme {d[0]}, smoothquant {d[1]}"  # noqa: E731
                    why = f"{fmt(d0)} in @{other}, {fmt(decision)} in @{fname}"
                elif (s0 is None) != (stats is None) or (
                        s0 is not None and not np.array_equal(s0, stats)):
                    why = f"@{other} and @{fname} were calibrated on different statistics"
                if why:
                    raise ValueError(
                        f"layer {layer.name!r} is quantized two ways ({why}); a weight "
                        "shared by several functions is one parameter with one "
                        "quantization: calibrate one function and share its statistics "
                        "(TorchProgram.calibrate), and quantize every function with the "
                        "same options (TorchProgram.quantize)")

    def compile(self, target="cpu"):
        """One module with every function (Module.merge: shared weights are one
        parameter, packed once), JIT-compiled; returns a CompiledProgram."""
        if target != "cpu":
            raise ValueError(f"compile: unknown target {target!r}; the PyTorch frontend "
                             "compiles for 'cpu'")
        libs = [_RUNTIME] if os.path.exists(_RUNTIME) else []
        return CompiledProgram(self.merged().compile(shared_libs=libs), self.models)

    def merged(self):
        """The functions' IR in one quantc.Module (after check_shared): what
        `compile` compiles; `Module.blob` reads its weights (the arrays
        CompiledProgram.load_params takes)."""
        self.check_shared()
        return Module.merge({name: (m._module, "forward")
                             for name, m in self.models.items()})


class CompiledProgram:
    """The compiled module of a TorchProgram: each function as an attribute
    (`exe.prefill(tokens, positions)`), taking the traced shapes and dtypes
    as TorchModel.compile()'s callable does; `save(path)` writes one
    artifact with every function (quantc.load gives them back by name);
    `params`, `state` and `load_params` are the module's (one set for all
    functions)."""

    def __init__(self, module, models):
        self.module = module
        """The CompiledModule (unchecked calls, save, params)."""
        self.functions = {}
        for name, m in models.items():
            fn = module[name]

            def run(*args, _fn=fn, _m=m, _name=name):
                return _fn(*_m._check_args(args, f"@{_name}"))
            run.signature = fn.signature
            self.functions[name] = run

    def __getattr__(self, name):
        if name.startswith("_") or name in ("module", "functions"):
            raise AttributeError(name)
        try:
            return self.functions[name]
        except KeyError:
            raise AttributeError(f"no function {name!r}; have {sorted(self.functions)}") \
                from None

    def __getitem__(self, name):
        return self.functions[name]

    def save(self, path):
        self.module.save(path)

    @property
    def params(self):
        return self.module.params

    @property
    def state(self):
        return self.module.state

    def load_params(self, src):
        self.module.load_params(src)


__all__ += ["CompileError"]
