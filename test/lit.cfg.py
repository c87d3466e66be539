# -*- Python -*-
import os
import shutil

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "QUANTC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".py"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs", "CMakeLists.txt", "lib"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.quantc_obj_root, "test")

config.environment["FILECHECK_OPTS"] = "-enable-var-scope"
config.environment["PYTHONPATH"] = os.pathsep.join(
    [
        os.path.join(config.quantc_src_root, "test", "lib"),
        os.path.join(config.quantc_src_root, "python"),
    ]
)

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

runner_libs = ",".join(
    os.path.join(config.llvm_lib_dir, n + config.llvm_shlib_ext)
    for n in ("libmlir_runner_utils", "libmlir_c_runner_utils")
)
config.substitutions.append(("%mlir_runner_libs", runner_libs))
# Integration tests written in Python (test/lib/qtest.py) find the tools here.
config.environment["QUANTC_OPT"] = os.path.join(config.quantc_tools_dir, "quantc-opt")
config.environment["MLIR_RUNNER"] = os.path.join(config.llvm_tools_dir, "mlir-runner")
config.environment["MLIR_RUNNER_LIBS"] = runner_libs
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%shlibext", config.llvm_shlib_ext))

tool_dirs = [config.quantc_tools_dir, config.llvm_tools_dir]
tools = [
    "quantc-opt",
    "mlir-runner",
    "mlir-opt",
    "mlir-translate",
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
