// Option errors. An unknown target or a token count that is not a number is
// an option-parsing error (exit 1, the values in the message).
// RUN: not quantc-opt %s --quantc-select-scheme="target=tpu" -o /dev/null 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not quantc-opt %s --quantc-select-scheme="target=auto" -o /dev/null 2>&1 | FileCheck %s --check-prefix=AUTO
// RUN: not quantc-opt %s --quantc-select-scheme="tokens=many" -o /dev/null 2>&1 | FileCheck %s --check-prefix=TOKENS
// TARGET: for the --target option: Cannot find option named 'tpu'!
// AUTO: for the --target option: Cannot find option named 'auto'!
// TOKENS: for the --tokens option: 'many' value invalid for long argument!

// A token count below 1 is an error of the pass.
// RUN: quantc-opt %s --quantc-select-scheme="tokens=512,0" -verify-diagnostics -o /dev/null
// RUN: not quantc-opt %s --quantc-select-scheme="tokens=-3" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NEG
// NEG: error: tokens must be token counts of at least 1, got -3

// Target files: unreadable, not JSON, not an object, missing or bad fields.
// RUN: not quantc-opt %s --quantc-select-scheme="target-file=%t.missing.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: target file '{{.*}}.missing.json': cannot read it: No such file or directory
// RUN: echo 'peak_int8: 1e12' > %t.yaml
// RUN: not quantc-opt %s --quantc-select-scheme="target-file=%t.yaml" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOTJSON
// NOTJSON: error: target file '{{.*}}.yaml': not JSON: [1:1, byte=1]: Invalid JSON value
// RUN: echo '[1, 2, 3]' > %t.array.json
// RUN: not quantc-opt %s --quantc-select-scheme="target-file=%t.array.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ARRAY
// ARRAY: error: target file '{{.*}}.array.json': expected a JSON object {"name", "peak_int8", "peak_fp16", "bandwidth"}
// RUN: echo '{"peak_int8": 1e12, "peak_fp16": 1e12, "bandwidth": 1e9}' > %t.noname.json
// RUN: not quantc-opt %s --quantc-select-scheme="target-file=%t.noname.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NONAME
// NONAME: error: target file '{{.*}}.noname.json': "name" must be a non-empty string
// RUN: echo '{"name": "x", "peak_int8": 1e12, "bandwidth": 1e9}' > %t.nofp16.json
// RUN: not quantc-opt %s --quantc-select-scheme="target-file=%t.nofp16.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOFP16
// NOFP16: error: target file '{{.*}}.nofp16.json': "peak_fp16" must be a number
// RUN: echo '{"name": "x", "peak_int8": 1e12, "peak_fp16": 1e12, "bandwidth": -1}' > %t.negbw.json
// RUN: not quantc-opt %s --quantc-select-scheme="target-file=%t.negbw.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NEGBW
// NEGBW: error: target file '{{.*}}.negbw.json': "bandwidth" must be finite and positive
// RUN: echo '{"name": "x", "peak_int8": "fast", "peak_fp16": 1e12, "bandwidth": 1}' > %t.str.json
// RUN: not quantc-opt %s --quantc-select-scheme="target-file=%t.str.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=STR
// STR: error: target file '{{.*}}.str.json': "peak_int8" must be a number
// --quantc-report-cost reads the same files, with the same errors.
// RUN: not quantc-opt %s --quantc-report-cost="target-file=%t.negbw.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NEGBW

// expected-error @+1 {{tokens must be token counts of at least 1, got 0}}
func.func @f() {
  return
}
