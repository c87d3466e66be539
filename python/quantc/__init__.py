"""quantc: calibration, SmoothQuant, IR building, compiling and running.

Numerics (exactly the compiler's rounding and saturation):
    absmax_scale, quantize, dequantize
Calibration:
    AbsMaxObserver, PercentileObserver, smoothquant_scales, search_alpha
Building IR from NumPy weights and statistics:
    Linear, quantize_layers, linear_ir, mlp_ir, mlp_reference
Compiling:
    run_pipeline(ir, "quantc-import-quant,quantc-verify-gemm") -> str
    compile_cpu(ir) -> module whose functions run on NumPy arrays
    Module(ir, {name: array}) -> module kept in C++ with dense_resource weights
        (run(pipeline), mlir(), compile())
    CompileError (carries MLIR's diagnostics)
Saved artifacts (docs/EMBEDDING.md; no LLVM or MLIR needed to run them):
    compiled.save(path); load(path) -> module like compile_cpu's; LoadError
PyTorch frontend (needs python3-torch; imported on first use):
    from_torch(module, example_args, dynamic_dims=None) -> TorchModel (calibrate, quantize,
    mlir, report, compile); UnsupportedOpError
    from_torch_multi({name: (module, args[, dynamic_dims])}) -> TorchProgram: functions
    of shared weights (prefill and decode) in one compiled module and one artifact
"""
from . import reference  # noqa: F401
from .numerics import absmax_scale, dequantize, quantize
from .observers import AbsMaxObserver, PercentileObserver
from .smoothquant import search_alpha, smooth_weight, smoothquant_scales, w8a8_linear
from .builders import (Linear, QuantizedLinear, linear_ir, mlp_ir, mlp_reference,
                       quantize_layers)
from .compiler import (CompileError, CompiledModule, LoadError, Module, compile_cpu, load,
                       run_pipeline)
from .torch_emit import UnsupportedOpError


def from_torch(module, example_args, dynamic_dims=None):
    """Traces a torch.nn.Module at `example_args` into a TorchModel (float
    MLIR + parameters); `dynamic_dims` ({argument: dim}) makes the token
    count dynamic. See quantc/frontend_torch.py."""
    from .frontend_torch import from_torch as _from_torch
    return _from_torch(module, example_args, dynamic_dims)


def from_torch_multi(functions):
    """Traces several modules of shared parameters ({name: (module,
    example_args[, dynamic_dims])}) into a TorchProgram: calibrated,
    quantized and compiled together into one module whose shared weights
    are one parameter each. See quantc/frontend_torch.py."""
    from .frontend_torch import from_torch_multi as _multi
    return _multi(functions)


__all__ = [
    "absmax_scale", "quantize", "dequantize",
    "AbsMaxObserver", "PercentileObserver",
    "smoothquant_scales", "smooth_weight", "search_alpha", "w8a8_linear",
    "Linear", "QuantizedLinear", "quantize_layers", "linear_ir", "mlp_ir",
    "mlp_reference",
    "CompileError", "CompiledModule", "Module", "compile_cpu", "run_pipeline",
    "load", "LoadError",
    "from_torch", "from_torch_multi", "UnsupportedOpError",
]
