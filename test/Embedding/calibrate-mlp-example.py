# examples/calibrate_mlp.py runs end to end, and SmoothQuant pays off on its
# outlier channels.
# RUN: %python %s | FileCheck %s
# CHECK: W8A8 + SmoothQuant (alpha=
# CHECK: example ok
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
import calibrate_mlp  # noqa: E402

alpha, err = calibrate_mlp.main()
plain, smooth = err["W8A8"], err[f"W8A8 + SmoothQuant (alpha={alpha})"]
assert err["float"] < 1e-5, err
assert 0 < smooth < 0.8 * plain < 0.05, err
print("example ok")
