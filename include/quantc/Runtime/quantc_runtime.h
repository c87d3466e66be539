/*===- quantc_runtime.h - load and call saved quantc artifacts ----*- C -*-===//
 *
 * The C API of libquantc_runtime.so: loads an artifact written by
 * `exe.save(path)` (docs/EMBEDDING.md) and calls its functions, without LLVM
 * or MLIR. An artifact is a directory:
 *
 *   manifest.json  format version, LLVM triple, the CPU features the code was
 *                  compiled for, the functions' signatures, params and state
 *   code.so        the compiled functions, a shared library for the host CPU
 *   state.bin      the bytes of the state globals (packed weights), after
 *                  `__quantc_prepare` ran, each at the offset the manifest
 *                  gives
 *
 * quantc_load checks the manifest version and the CPU (cpuid/xgetbv), checks
 * that code.so's ELF headers lie within the file (a truncated copy), loads it
 * with dlopen, compares the manifest's signatures with those code.so carries
 * (QUANTC_SIGNATURE_SYMBOL) and reads state.bin into its state globals; it
 * never runs `__quantc_prepare`.
 *
 * Calling convention (MLIR's packed interface): a function's entry point
 * takes one `void **` array with one pointer per LLVM-level argument, then,
 * when the function has results, the address of the result storage:
 *   - a scalar argument (f32, i64, ...) is one pointer to its value;
 *   - a tensor argument of rank r is a memref descriptor (QUANTC_MEMREF(r):
 *     allocated, aligned, offset, sizes[r], strides[r], in elements) that
 *     expands to 3 + 2r pointers, one to each of its fields (see
 *     quantc_pack_memref). Tensors are row-major: strides[r-1] == 1 and
 *     strides[d] == strides[d+1] * sizes[d+1] for C-contiguous data;
 *   - the results are returned as one C struct with a field per result (a
 *     descriptor for a tensor, the value for a scalar), written through the
 *     last pointer.
 * A returned descriptor's `allocated` buffer belongs to the caller, who frees
 * it with free(): unless it is 0xDEADBEEF (a constant of the code) or an
 * argument's buffer (a result that aliases an argument), and once only when
 * two results share it.
 *
 * Errors: functions that fail return NULL (or -1) and set a message that
 * quantc_last_error() returns (per thread, valid until the next call on the
 * same thread).
 *
 *===----------------------------------------------------------------------===*/
#ifndef QUANTC_RUNTIME_QUANTC_RUNTIME_H
#define QUANTC_RUNTIME_QUANTC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The manifest format this runtime reads (manifest.json "format"). */
#define QUANTC_ARTIFACT_FORMAT 1

/** The symbol of code.so, a NUL-terminated JSON object
 * {"functions": [...], "params": [...]}, that holds the manifest's
 * "functions" and "params" as they were saved: a call trusts them (a result
 * count or element type other than the code's corrupts memory), so
 * quantc_load refuses a manifest whose entries differ. Code saved before the
 * symbol existed lacks it and is loaded unchecked. */
#define QUANTC_SIGNATURE_SYMBOL "__quantc_signature"

/** A memref descriptor of rank `rank` as the compiled code reads it. */
#define QUANTC_MEMREF(rank)                                                    \
  struct {                                                                     \
    void *allocated;                                                           \
    void *aligned;                                                             \
    int64_t offset;                                                            \
    int64_t sizes[rank];                                                       \
    int64_t strides[rank];                                                     \
  }

/** A rank-0 descriptor (no sizes or strides). */
typedef struct {
  void *allocated;
  void *aligned;
  int64_t offset;
} quantc_memref0;

/** What `allocated` holds for a buffer that is a constant of the code: not
 * heap memory, never freed. */
#define QUANTC_CONSTANT_BUFFER ((void *)(uintptr_t)0xDEADBEEF)

/** The packed entry point of a function. */
typedef void (*quantc_packed_fn)(void **args);

typedef struct quantc_artifact quantc_artifact;
typedef struct quantc_function quantc_function;

/** An argument or result: a tensor of rank `rank` (`shaped` != 0; `shape`
 * with -1 for dynamic sizes) or a scalar. `element` is "f32", "f64", "f16",
 * "i1", "i8", "i16", "i32", "i64" or "index" (64-bit). */
typedef struct {
  int shaped;
  const char *element;
  int rank;
  const int64_t *shape;
} quantc_type;

/** The message of the last failure on this thread ("" if none). */
const char *quantc_last_error(void);

/** Loads the artifact in the directory `path`. NULL (see quantc_last_error)
 * when the manifest is missing or of another format version, the CPU lacks a
 * feature the code was compiled for (the message names them), the code is
 * truncated or does not load, the manifest's signatures or parameters are not
 * the code's, or the state bytes do not match the manifest. */
quantc_artifact *quantc_load(const char *path);

/** Unloads `artifact` (NULL is ignored). Its functions and entry points are
 * invalid afterwards. The libraries that loading its code brought in (the
 * OpenMP runtime, whose worker threads outlive every call) stay loaded. */
void quantc_unload(quantc_artifact *artifact);

/** The LLVM target triple the code was compiled for. */
const char *quantc_artifact_triple(const quantc_artifact *artifact);

/** The CPU features the code requires ("avx512f", "avx512vnni", ...). */
int quantc_artifact_num_features(const quantc_artifact *artifact);
const char *quantc_artifact_feature(const quantc_artifact *artifact, int index);

/** The artifact's public functions, in manifest order. */
int quantc_num_functions(const quantc_artifact *artifact);
const quantc_function *quantc_function_at(const quantc_artifact *artifact,
                                          int index);
/** The function named `name`, NULL (with an error) if there is none. */
const quantc_function *quantc_lookup(const quantc_artifact *artifact,
                                     const char *name);

const char *quantc_function_name(const quantc_function *fn);
int quantc_function_num_args(const quantc_function *fn);
int quantc_function_num_results(const quantc_function *fn);
const quantc_type *quantc_function_arg(const quantc_function *fn, int index);
const quantc_type *quantc_function_result(const quantc_function *fn, int index);
/** Argument dimensions a call must keep equal (the function's ops tie them
 * together; the code trusts them and reads out of bounds otherwise): group
 * `group` has `*count` (argument, dimension) pairs at `*members` (2 ints
 * each) and must have the size `*size` (-1: any, but the same). Returns the
 * number of groups; pass group = -1 to only count. */
int quantc_function_dim_group(const quantc_function *fn, int group,
                              const int *members[], int *count, int64_t *size);

/** The range [`*min`, `*max`] (`*max` -1: unbounded) that the sizes of dim
 * group `group` must lie in: the function slices a fixed-size buffer to
 * that size (a causal mask, RoPE tables), or takes a fixed-size slice of
 * it, and the code does not bound either. Returns the number of groups, -1
 * (with an error) for a group out of range. quantc_check_args checks it. */
int quantc_function_dim_range(const quantc_function *fn, int group,
                              int64_t *min, int64_t *max);

/** Integer tensor arguments whose elements index a table (an embedding's
 * token ids; the code does not bound them and reads past the table
 * otherwise): bound `bound` is argument `*arg`, whose elements must be in
 * [0, `*size`). Returns the number of bounds; pass bound = -1 to only
 * count. quantc_check_args checks them. */
int quantc_function_index_bound(const quantc_function *fn, int bound, int *arg,
                                int64_t *size);

/** The packed entry point of `fn` (see the calling convention above). */
quantc_packed_fn quantc_function_entry(const quantc_function *fn);

/** The number of pointers the packed argument array of `fn` needs, the
 * result pointer included. */
int quantc_function_packed_size(const quantc_function *fn);

/** Stores the addresses of the 3 + 2 * rank fields of the descriptor at
 * `descriptor` (a QUANTC_MEMREF(rank)) into `slots`; returns slots + 3 +
 * 2 * rank, where the next argument's pointers go. */
void **quantc_pack_memref(void *descriptor, int rank, void **slots);

/** Checks `args` against `fn`'s dim groups and static sizes, and the
 * values of its index arguments against their bounds: `descriptors` holds
 * one pointer per argument (a QUANTC_MEMREF(rank) for a tensor, NULL for a
 * scalar). 0 if they fit, -1 with an error naming the first mismatch. */
int quantc_check_args(const quantc_function *fn,
                      const void *const *descriptors);

/** Weights bound at load time (quantc-cpu-pipeline{weights=load}): the
 * parameters `__quantc_prepare` was run on before the artifact was saved, in
 * index order. quantc_load restores the prepared state and never needs
 * them; quantc_bind_params rebinds new weights. */
int quantc_artifact_num_params(const quantc_artifact *artifact);
/** Parameter `index`: its name, element type ("i8", "f32", ...), shape
 * (`*rank` dimensions) and size in bytes; NULL when out of range. */
const char *quantc_artifact_param(const quantc_artifact *artifact, int index,
                                  const char **element, int *rank,
                                  const int64_t **shape, int64_t *bytes);
/** Runs the artifact's `__quantc_prepare` on `params` (params[i]: parameter
 * i's row-major bytes in its element type, quantc_artifact_param's size),
 * which packs them into the state the functions read; the caller's buffers
 * are not needed afterwards. Not concurrent with calls of the artifact's
 * functions. 0, or -1 when the artifact has no parameters. */
int quantc_bind_params(quantc_artifact *artifact, void *const *params);

/** The load-time state globals (`__quantc_state_<k>`, k order): their
 * symbols and sizes in bytes; NULL when out of range. */
int quantc_artifact_num_state(const quantc_artifact *artifact);
const char *quantc_artifact_state(const quantc_artifact *artifact, int index,
                                  int64_t *bytes);

#ifdef __cplusplus
}
#endif

#endif /* QUANTC_RUNTIME_QUANTC_RUNTIME_H */
