"""llama.select_torch_blas: the OpenBLAS build PyTorch's baselines run on
(the e2e benchmark's and the main job's --torch-blas)."""
import os
import subprocess
import sys

import pytest

from quantc import llama

PY = sys.executable
ENV = dict(os.environ)
ENV.pop("LD_LIBRARY_PATH", None)


def run(variant):
    """The libblas.so.3 directory a fresh process maps after
    select_torch_blas(variant) and `import torch`."""
    code = ("import sys; from quantc import llama; llama.select_torch_blas(sys.argv[1]); "
            "import torch; torch.ones(4) @ torch.ones(4); print(llama.torch_blas())")
    out = subprocess.run([PY, "-c", code, variant], env=ENV, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_openmp_build_is_loaded():
    assert run("openmp") == llama.OPENBLAS_DIR.format("openmp")


def test_pthread_build_is_loaded():
    assert run("pthread") == llama.OPENBLAS_DIR.format("pthread")


def test_auto_prefers_openmp():
    assert run("auto") == llama.OPENBLAS_DIR.format("openmp")


def test_system_keeps_the_alternative():
    # Whatever libblas.so.3's alternative resolves to (the pthread build
    # after the set-up: priority 100 against 95).
    system = os.path.dirname(os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3"))
    assert run("system") == system


def test_bad_variant():
    with pytest.raises(ValueError, match="'mkl' is not one of system, auto, pthread, openmp"):
        llama.select_torch_blas("mkl")
