# The Python package's pytest suite (test/python), against the build tree's
# quantc package (build/python: the pure-Python files and the extension).
# `-rfE` lists each failure and error by name and `--tb=short` keeps the
# traceback; the CHECK-NOT comes first because pytest's last line puts the
# failures before the passes ("1 failed, 212 passed"): checked after the
# match of "passed", a failure went unseen by FileCheck and lit showed
# nothing but pytest's exit code.
# RUN: %python -m pytest -q -rfE --tb=short -p no:cacheprovider %quantc_src_root/test/python | FileCheck %s
# CHECK-NOT: {{[0-9]+ (failed|errors?)}}
# CHECK: {{[0-9]+}} passed
# CHECK-NOT: {{[0-9]+ (failed|errors?)}}
