# The Python package's pytest suite (test/python), against the build tree's
# quantc package (build/python: the pure-Python files and the extension).
# `-rfE` lists each failure and error (an exception in a fixture is an
# error, not a failure: pytest exits 1 with "N passed, 1 error") by name,
# and FileCheck then shows it; `--tb=short` keeps the traceback.
# RUN: %python -m pytest -q -rfE --tb=short -p no:cacheprovider %quantc_src_root/test/python | FileCheck %s
# CHECK: {{[0-9]+}} passed
# CHECK-NOT: {{failed|error}}
