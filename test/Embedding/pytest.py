# The Python package's pytest suite (test/python), against the build tree's
# quantc package (build/python: the pure-Python files and the extension).
# RUN: %python -m pytest -q -p no:cacheprovider %quantc_src_root/test/python | FileCheck %s
# CHECK: {{[0-9]+}} passed
# CHECK-NOT: failed
