"""Helpers for integration tests: emit MLIR constants from NumPy arrays,
compile with quantc-opt, run with mlir-runner, and parse printMemref output.

Used from lit RUN lines (`%python %s`), with the tool paths taken from the
environment lit sets up (QUANTC_OPT, MLIR_RUNNER, MLIR_RUNNER_LIBS)."""
import os
import re
import subprocess
import sys

import numpy as np

_MLIR_TYPES = {
    np.dtype(np.float32): "f32",
    np.dtype(np.int8): "i8",
    np.dtype(np.int32): "i32",
}


def tensor_type(shape, elem):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elem + ">"


def mlir_type(a):
    a = np.asarray(a)
    return tensor_type(a.shape, _MLIR_TYPES[a.dtype])


def const(name, a):
    """`%name = arith.constant dense<...>` holding NumPy array `a` exactly
    (float32 values are written as their bit patterns)."""
    return f"%{name} = arith.constant {dense_shaped(a)}\n"


def dense_shaped(a):
    a = np.asarray(a)
    if a.dtype == np.float32:
        vals = ["0x%08X" % v for v in a.reshape(-1).view(np.uint32)]
    else:
        vals = [str(int(v)) for v in a.reshape(-1)]
    return "dense<" + _nest(vals, a.shape) + "> : " + mlir_type(a)


def _nest(vals, shape):
    if len(shape) == 0:
        return vals[0]
    if len(shape) == 1:
        return "[" + ", ".join(vals) + "]"
    step = len(vals) // shape[0] if shape[0] else 0
    return "[" + ", ".join(_nest(vals[i * step:(i + 1) * step], shape[1:])
                           for i in range(shape[0])) + "]"


PRINT_DECLS = """
func.func private @printMemrefI32(memref<*xi32>) attributes { llvm.emit_c_interface }
func.func private @printMemrefF32(memref<*xf32>) attributes { llvm.emit_c_interface }
"""


def print_tensor(value, ty, tag, exact=False):
    """MLIR lines printing a tensor value (i8 is widened to i32). With
    `exact`, f32 values are printed as their bit patterns (see `as_f32`)."""
    m = re.match(r"tensor<((?:\d+x)*)(\w+)>", ty)
    dims, elem = m.group(1), m.group(2)
    lines = []
    if exact and elem == "f32":
        bits = f"tensor<{dims}i32>"
        lines.append(f"%{tag}_b = arith.bitcast {value} : {ty} to {bits}")
        value, ty, elem = f"%{tag}_b", bits, "i32"
    if elem == "i8":
        wide = f"tensor<{dims}i32>"
        lines.append(f"%{tag}_w = arith.extsi {value} : {ty} to {wide}")
        value, ty, elem = f"%{tag}_w", wide, "i32"
    mty = ty.replace("tensor", "memref")
    lines.append(f"%{tag}_m = bufferization.to_buffer {value} : {ty} to {mty}")
    lines.append(f"%{tag}_u = memref.cast %{tag}_m : {mty} to memref<*x{elem}>")
    fn = "printMemrefI32" if elem == "i32" else "printMemrefF32"
    lines.append(f"call @{fn}(%{tag}_u) : (memref<*x{elem}>) -> ()")
    return "\n    ".join(lines) + "\n"


def tool(name):
    env = {"quantc-opt": "QUANTC_OPT", "mlir-runner": "MLIR_RUNNER"}[name]
    return os.environ.get(env, name)


def compile_and_run(mlir, pipeline=("--quantc-cpu-pipeline",), entry="main"):
    """Compiles `mlir` with quantc-opt and runs it; returns the printed
    arrays (a list of NumPy arrays, in print order)."""
    opt = subprocess.run([tool("quantc-opt"), "-", *pipeline], input=mlir,
                         capture_output=True, text=True)
    if opt.returncode != 0:
        sys.stderr.write(mlir)
        raise RuntimeError("quantc-opt failed:\n" + opt.stderr)
    libs = os.environ["MLIR_RUNNER_LIBS"]
    run = subprocess.run([tool("mlir-runner"), "-", "-e", entry,
                          "-entry-point-result=void", "-O3",
                          f"-shared-libs={libs}"], input=opt.stdout,
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError("mlir-runner failed:\n" + run.stderr)
    return parse_memrefs(run.stdout)


def parse_memrefs(text):
    """Parses every `Unranked Memref ... sizes = [...] data = [...]` block."""
    out = []
    blocks = re.split(r"Unranked Memref", text)[1:]
    for b in blocks:
        sizes = [int(v) for v in re.search(r"sizes = \[([^\]]*)\]", b).group(1).split(",") if v.strip()]
        data = b.split("data =", 1)[1]
        start = data.index("[")
        depth = 0
        for i in range(start, len(data)):
            depth += {"[": 1, "]": -1}.get(data[i], 0)
            if depth == 0:
                data = data[start:i + 1]
                break
        nums = re.findall(r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|nan|inf)", data)
        arr = np.array([float(n) for n in nums], dtype=np.float64)
        out.append(arr.reshape(sizes))
    return out


def as_f32(bits):
    """Reinterprets printed bit patterns (from `print_tensor(exact=True)`)."""
    return np.asarray(bits).astype(np.int64).astype(np.uint32).view(np.float32)


def expect_equal(name, got, want):
    got = np.asarray(got)
    want = np.asarray(want)
    if got.shape != want.shape or not np.array_equal(got, want.astype(got.dtype)):
        diff = np.argwhere(got != want)
        raise SystemExit(f"FAIL {name}: {len(diff)} mismatches, first at "
                         f"{diff[:5].tolist()}: got {got[tuple(diff[0])] if len(diff) else got.shape} "
                         f"want {want[tuple(diff[0])] if len(diff) else want.shape}")
    print(f"PASS {name}: {got.size} values bit-exact")


def expect_close(name, got, want, rtol=1e-5, atol=1e-6):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape or not np.allclose(got, want, rtol=rtol, atol=atol):
        err = np.max(np.abs(got - want)) if got.shape == want.shape else "shape"
        raise SystemExit(f"FAIL {name}: max abs error {err}")
    print(f"PASS {name}: {got.size} values within rtol={rtol}")


def bf16_round(a):
    """float32 -> nearest-even bf16 value, as float32 (the integration tests'
    reference for bf16 inputs)."""
    u = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    u = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
    return u.astype(np.uint32).view(np.float32)


def libgomp():
    """The path of libgomp, which the parallel kernels' GOMP_parallel calls
    need at JIT time (tests that use it say `REQUIRES: libgomp`)."""
    return next(p for p in ("/usr/lib/x86_64-linux-gnu/libgomp.so.1",
                            "/usr/lib64/libgomp.so.1", "/usr/lib/libgomp.so.1")
                if os.path.exists(p))
