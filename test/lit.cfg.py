# -*- Python -*-
import os
import shutil

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "QUANTC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".py"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs", "CMakeLists.txt", "lib", "fuzz"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.quantc_obj_root, "test")

config.environment["FILECHECK_OPTS"] = "-enable-var-scope"
# build/python holds the quantc package with its compiled extension
# (python/CMakeLists.txt); the source tree's pure-Python copy is the fallback.
config.environment["PYTHONPATH"] = os.pathsep.join(
    [
        os.path.join(config.quantc_src_root, "test", "lib"),
        os.path.join(config.quantc_obj_root, "python"),
        os.path.join(config.quantc_src_root, "python"),
    ]
)

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
# The ASan + UBSan build (QUANTC_ENABLE_SANITIZERS): quantc's binaries use the
# shared ASan runtime; uninstrumented hosts of quantc code (python3 importing
# the compiled module, stock mlir-opt loading the plugin) get it preloaded.
# Leak checking is off here because the preloaded runtime would also check
# those hosts (python3 keeps its objects at exit); the fuzzer checks leaks.
if getattr(config, "quantc_sanitizers", False):
    config.available_features.add("asan")
    config.environment["LD_PRELOAD"] = config.quantc_asan_runtime
    # allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons slabs when it is
    # compiled with ASan (our inline copy) but libMLIR.so's copy never
    # unpoisons what it hands out, a false use-after-poison.
    config.environment["ASAN_OPTIONS"] = "detect_leaks=0:allow_user_poisoning=0"
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

runner_libs = ",".join(
    os.path.join(config.llvm_lib_dir, n + config.llvm_shlib_ext)
    for n in ("libmlir_runner_utils", "libmlir_c_runner_utils")
)
# Parallel VNNI GEMMs call GOMP_parallel: libgomp (or libomp) must be loaded.
for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"):
    gomp = os.path.join(d, "libgomp.so.1")
    if os.path.exists(gomp):
        runner_libs += "," + gomp
        config.available_features.add("libgomp")
        break
config.substitutions.append(("%mlir_runner_libs", runner_libs))
# The AMX-INT8 kernels run on the tiles only where the CPU has them
# (amx-gemm-hw.py); elsewhere amx-gemm.py checks them emulated.
try:
    with open("/proc/cpuinfo") as f:
        cpu_flags = f.read().split()
    if "amx_int8" in cpu_flags and "amx_tile" in cpu_flags:
        config.available_features.add("amx-int8")
except OSError:
    pass
# Integration tests written in Python (test/lib/qtest.py) find the tools here.
quantc_opt = os.path.join(config.quantc_tools_dir, "quantc-opt")
# `lit -Dverify_each=1` (the check-quantc-verify-each target) runs every
# quantc-opt invocation with --verify-each (the IR verifier after every pass)
# and --verify-roundtrip (the parsed input must print and re-parse to the same
# IR): RUN lines through the tool substitution, Python tests through a wrapper
# script that QUANTC_OPT points at.
quantc_opt_args = []
if lit_config.params.get("verify_each", "0") not in ("0", ""):
    quantc_opt_args = ["--verify-each", "--verify-roundtrip"]
    config.available_features.add("verify-each")
    wrapper = os.path.join(config.quantc_obj_root, "test", "quantc-opt-verify-each")
    os.makedirs(os.path.dirname(wrapper), exist_ok=True)
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\nexec "%s" %s "$@"\n' % (quantc_opt, " ".join(quantc_opt_args)))
    os.chmod(wrapper, 0o755)
    quantc_opt = wrapper
config.environment["QUANTC_OPT"] = quantc_opt
config.environment["MLIR_RUNNER"] = os.path.join(config.llvm_tools_dir, "mlir-runner")
config.environment["MLIR_RUNNER_LIBS"] = runner_libs
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%shlibext", config.llvm_shlib_ext))

# Embedding (test/Embedding): the plugin for Debian's stock mlir-opt.
config.substitutions.append(
    ("%quantc_plugin",
     os.path.join(config.quantc_lib_dir, "QuantCPlugin" + config.llvm_shlib_ext)))
# The install + downstream build test (test/Embedding/downstream.mlir).
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(("%quantc_obj_root", config.quantc_obj_root))
config.substitutions.append(("%quantc_src_root", config.quantc_src_root))
# Saved artifacts run from C (examples/c, libquantc_runtime).
config.substitutions.append(("%quantc_lib_dir", config.quantc_lib_dir))
config.substitutions.append(("%cc", config.c_compiler))
config.substitutions.append(
    ("%downstream_cmake_flags",
     " ".join(
         f"-D{k}={v}"
         for k, v in (
             ("CMAKE_BUILD_TYPE", "Release"),
             ("CMAKE_CXX_COMPILER", config.cxx_compiler),
             ("CMAKE_CXX_COMPILER_LAUNCHER", config.cxx_launcher),
             ("CMAKE_EXE_LINKER_FLAGS",
             "'" + config.exe_linker_flags + " -fsanitize=address,undefined -shared-libasan'"
             if getattr(config, "quantc_sanitizers", False) else config.exe_linker_flags),
             ("MLIR_DIR", config.mlir_cmake_dir),
         )
         if v)))
config.substitutions.append(
    ("%mlir_opt_stock", os.path.join(config.llvm_tools_dir, "mlir-opt")))

tool_dirs = [config.quantc_tools_dir, config.llvm_tools_dir]
tools = [
    ToolSubst("quantc-opt", extra_args=quantc_opt_args, unresolved="fatal"),
    "quantc-capi-test",
    "quantc-probe",
    "not",
    "mlir-runner",
    "mlir-opt",
    "mlir-translate",
    "not",
    ToolSubst("%llc", command=os.path.join(config.llvm_tools_dir, "llc")),
]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# GPU code generation: PTX needs nothing beyond LLVM; cubins need ptxas (CUDA
# toolkit), executables the quantc CUDA runtime, running them a GPU.
cuda_bin = os.environ.get("CUDA_HOME", "/usr/local/cuda") + "/bin"
ptxas = shutil.which("ptxas") or shutil.which("ptxas", path=cuda_bin)
if ptxas:
    config.available_features.add("ptxas")
    config.environment["PATH"] = os.pathsep.join(
        [os.path.dirname(ptxas), config.environment.get("PATH", "")])
if os.path.exists(os.path.join(config.quantc_obj_root, "lib", "Runtime",
                               "libquantc_cuda_runtime_static.a")):
    config.available_features.add("quantc-cuda-runtime")
if os.path.exists("/dev/nvidia0"):
    config.available_features.add("cuda-gpu")
config.substitutions.append(("%quantc_src_root", config.quantc_src_root))
config.substitutions.append(
    ("%quantc-aot", os.path.join(config.quantc_tools_dir, "quantc-aot")))
