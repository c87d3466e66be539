"""The common part of the run_*_checks.py scripts: each feeds NumPy inputs to
an AOT-compiled program (built by quantc-aot with its *_driver.cpp), runs it
and compares every output with an independent NumPy reference.

    usage: run_X_checks.py EXE REFERENCE_DIR WORKDIR

REFERENCE_DIR holds python/quantc's reference.py and e4m3.py (NumPy only);
WORKDIR receives the inputs <name>.bin, the driver writes out_<name>.bin.
Each check prints one line `PASS name: ...` or `FAIL name: ...`, and the last
line is `ALL PASS` or `N FAILED` (exit status 1).

With QUANTC_DRY_RUN=1 in the environment (no GPU: device_run.sh's dry run)
the program is not run: the inputs are written and every NumPy reference is
computed, each check prints `DRY name: reference <dtype> <shape>`, and the
last line is `DRY: N references computed, the program not run`. Needs only
Python 3 and NumPy.
"""
import os
import subprocess
import sys

import numpy as np

__all__ = ["Aot"]


class Aot:
    """One AOT program under test: its arguments, inputs, run and checks."""

    def __init__(self, seed):
        """Reads EXE REFERENCE_DIR WORKDIR from the command line, puts
        REFERENCE_DIR on the module path (for `import reference`) and makes
        the random generator of the inputs (`self.rng`, seeded: the inputs
        are the same on every run)."""
        if len(sys.argv) != 4:
            sys.exit(f"usage: {os.path.basename(sys.argv[0])} EXE "
                     "REFERENCE_DIR WORKDIR")
        self.exe, refdir, self.work = sys.argv[1:4]
        sys.path.insert(0, os.path.abspath(refdir))
        os.makedirs(self.work, exist_ok=True)
        self.rng = np.random.default_rng(seed)
        self.dry = os.environ.get("QUANTC_DRY_RUN", "") not in ("", "0")
        self.fails = 0
        self.checks = 0

    def save(self, **arrays):
        """Writes each array (C order, its own dtype) to WORKDIR/<name>.bin,
        the files the driver reads."""
        for name, a in arrays.items():
            np.ascontiguousarray(a).tofile(os.path.join(self.work, name + ".bin"))

    def run(self):
        """Runs `EXE WORKDIR` and echoes its output; exits with FAIL if it
        fails. Does nothing in a dry run (besides checking EXE exists)."""
        if self.dry:
            if not os.access(self.exe, os.X_OK):
                sys.exit(f"FAIL: {self.exe} is not an executable")
            print(f"DRY: {self.exe} not run")
            return
        r = subprocess.run([self.exe, self.work], capture_output=True, text=True)
        print(r.stdout, r.stderr)
        if r.returncode:
            sys.exit(f"FAIL: the AOT executable exited with {r.returncode}")

    def output(self, name, dtype, shape, check=None):
        """The array the driver wrote to WORKDIR/out_<name>.bin, or None
        (with a FAIL line for `check`, default `name`) when the file is
        missing or of the wrong size."""
        path = os.path.join(self.work, "out_" + name + ".bin")
        if not os.path.exists(path):
            self.report(check or name, False, f"{path} is missing")
            return None
        got = np.fromfile(path, dtype=dtype)
        if got.size != int(np.prod(shape)):
            self.report(check or name, False,
                        f"{path} holds {got.size} elements, expected "
                        f"{int(np.prod(shape))} {tuple(shape)}")
            return None
        return got.reshape(shape)

    def report(self, name, ok, msg):
        """Prints the PASS/FAIL line of one check and counts it."""
        self.checks += 1
        self.fails += not ok
        print(f"{'PASS' if ok else 'FAIL'} {name}: {msg}")

    def _dry(self, name, want):
        self.checks += 1
        print(f"DRY {name}: reference {want.dtype} {tuple(want.shape)}")

    def exact(self, name, want, out=None):
        """Checks out_<out or name>.bin (read with want's dtype and shape)
        against `want` bit for bit."""
        if self.dry:
            return self._dry(name, want)
        got = self.output(out or name, want.dtype, want.shape, name)
        if got is None:
            return
        want = np.ascontiguousarray(want)
        same = got.tobytes() == want.tobytes()
        nbad = int(np.sum(got.view(np.uint8) != want.view(np.uint8)))
        self.report(name, same, f"bit-exact, {nbad} bytes differ")

    def within(self, name, want, tol, what, out=None, dtype=None):
        """Checks out_<out or name>.bin (dtype `dtype`, default want's)
        against `want` elementwise within `tol` (a scalar or an array
        broadcast to want's shape); NaN fails. `what` states the bound."""
        if self.dry:
            return self._dry(name, want)
        got = self.output(out or name, dtype or want.dtype, want.shape, name)
        if got is None:
            return
        err = np.abs(got.astype(np.float64) - want.astype(np.float64))
        ok = bool(np.all(err <= tol)) and not np.isnan(got).any()
        worst = err.max() if err.size else 0.0
        self.report(name, ok, f"{what}, max abs err {worst:.3g}")

    def finish(self):
        """Prints the last line and exits: 0 when every check passed."""
        if self.dry:
            print(f"DRY: {self.checks} references computed, the program not run")
            sys.exit(0)
        if self.checks == 0:
            print("FAIL: no check ran")
            sys.exit(1)
        print("ALL PASS" if not self.fails else f"{self.fails} FAILED")
        sys.exit(1 if self.fails else 0)
