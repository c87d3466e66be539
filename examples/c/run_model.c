/*===- run_model.c - run a saved quantc artifact from C
 * --------------------===//
 *
 * Loads an artifact written by `exe.save(dir)` with libquantc_runtime and
 * calls one of its functions on tensors read from files:
 *
 *   run_model <artifact-dir> <function> <input>...
 *
 * Each input file holds one tensor argument: int64 rank, int64 sizes[rank],
 * then the row-major data in the argument's element type. Every result is
 * printed as "result <i> <element> <d0>x<d1>..." and one value per line
 * (floats with 9 significant digits, which round-trip f32 exactly).
 *
 * Build: cc run_model.c -I<quantc>/include -L<lib> -lquantc_runtime
 *
 *===----------------------------------------------------------------------===*/
#include "quantc/Runtime/quantc_runtime.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest rank this example passes. */
#define MAX_RANK 8
typedef QUANTC_MEMREF(MAX_RANK) memref_max;

/* Bytes of one element of `element`; 0 if unsupported here. */
static size_t element_size(const char *element) {
  if (!strcmp(element, "f32") || !strcmp(element, "i32"))
    return 4;
  if (!strcmp(element, "f64") || !strcmp(element, "i64") ||
      !strcmp(element, "index"))
    return 8;
  if (!strcmp(element, "i8") || !strcmp(element, "i1"))
    return 1;
  if (!strcmp(element, "f16") || !strcmp(element, "i16"))
    return 2;
  return 0;
}

/* Reads the tensor file `path` into a rank-`rank` descriptor (the sizes and
 * row-major strides laid out as QUANTC_MEMREF(rank) expects). */
static int read_tensor(const char *path, const quantc_type *type,
                       int64_t *fields) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    return -1;
  }
  int64_t rank = -1;
  if (fread(&rank, 8, 1, f) != 1 || rank != type->rank) {
    fprintf(stderr, "%s: rank %" PRId64 ", the argument has rank %d\n", path,
            rank, type->rank);
    fclose(f);
    return -1;
  }
  int64_t *sizes = fields + 3, *strides = fields + 3 + rank;
  int64_t count = 1;
  if (fread(sizes, 8, (size_t)rank, f) != (size_t)rank) {
    fclose(f);
    return -1;
  }
  for (int64_t d = rank - 1; d >= 0; --d) {
    strides[d] = count;
    count *= sizes[d];
  }
  size_t bytes = (size_t)count * element_size(type->element);
  void *data = malloc(bytes ? bytes : 1);
  if (fread(data, 1, bytes, f) != bytes) {
    fprintf(stderr, "%s: too little data\n", path);
    free(data);
    fclose(f);
    return -1;
  }
  fclose(f);
  fields[0] = fields[1] = (int64_t)(intptr_t)data;
  fields[2] = 0;
  return 0;
}

/* Prints result `index` (a descriptor at `fields`) and frees its buffer
 * unless it is a constant of the code or one of the arguments. */
static void print_result(int index, const quantc_type *type,
                         const int64_t *fields, void *const *arg_buffers,
                         int num_args) {
  int rank = type->rank;
  const int64_t *sizes = fields + 3, *strides = fields + 3 + rank;
  printf("result %d %s ", index, type->element);
  int64_t count = 1;
  for (int d = 0; d < rank; ++d) {
    printf(d ? "x%" PRId64 : "%" PRId64, sizes[d]);
    count *= sizes[d];
  }
  printf("\n");
  size_t item = element_size(type->element);
  const char *base = (const char *)(intptr_t)fields[1] + fields[2] * item;
  for (int64_t i = 0; i < count; ++i) {
    /* The element's offset from its row-major index and the strides. */
    int64_t rest = i, offset = 0;
    for (int d = rank - 1; d >= 0; --d) {
      offset += (rest % sizes[d]) * strides[d];
      rest /= sizes[d];
    }
    const char *p = base + offset * (int64_t)item;
    if (!strcmp(type->element, "f32")) {
      float v;
      memcpy(&v, p, 4);
      printf("%.9g\n", v);
    } else if (!strcmp(type->element, "i32")) {
      int32_t v;
      memcpy(&v, p, 4);
      printf("%d\n", v);
    } else if (!strcmp(type->element, "i8")) {
      printf("%d\n", (int)*(const int8_t *)p);
    } else {
      printf("?\n");
    }
  }
  void *allocated = (void *)(intptr_t)fields[0];
  for (int a = 0; a < num_args; ++a)
    if (allocated == arg_buffers[a])
      return;
  if (allocated != QUANTC_CONSTANT_BUFFER)
    free(allocated);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s <artifact-dir> <function> <input>...\n",
            argv[0]);
    return 2;
  }
  quantc_artifact *artifact = quantc_load(argv[1]);
  if (!artifact) {
    fprintf(stderr, "error: %s\n", quantc_last_error());
    return 1;
  }
  const quantc_function *fn = quantc_lookup(artifact, argv[2]);
  if (!fn) {
    fprintf(stderr, "error: %s\n", quantc_last_error());
    quantc_unload(artifact);
    return 1;
  }
  int num_args = quantc_function_num_args(fn);
  int num_results = quantc_function_num_results(fn);
  if (argc - 3 != num_args) {
    fprintf(stderr, "error: @%s takes %d arguments, got %d\n", argv[2],
            num_args, argc - 3);
    quantc_unload(artifact);
    return 1;
  }
  /* One descriptor per argument; every argument of this example is a tensor
   * of at most MAX_RANK dimensions, every result too. */
  memref_max *args = calloc((size_t)num_args + 1, sizeof(memref_max));
  const void **descriptors = calloc((size_t)num_args + 1, sizeof(void *));
  void **buffers = calloc((size_t)num_args + 1, sizeof(void *));
  void **packed =
      calloc((size_t)quantc_function_packed_size(fn) + 1, sizeof(void *));
  void **next = packed;
  int status = 1;
  for (int a = 0; a < num_args; ++a) {
    const quantc_type *t = quantc_function_arg(fn, a);
    if (!t->shaped || t->rank > MAX_RANK || !element_size(t->element)) {
      fprintf(stderr,
              "error: argument %d is not a tensor this example "
              "passes\n",
              a);
      goto done;
    }
    /* A rank-r descriptor is packed at its own rank: its strides follow its
     * r sizes directly. */
    int64_t *fields = (int64_t *)&args[a];
    if (read_tensor(argv[3 + a], t, fields))
      goto done;
    buffers[a] = (void *)(intptr_t)fields[0];
    descriptors[a] = fields;
    next = quantc_pack_memref(fields, t->rank, next);
  }
  if (quantc_check_args(fn, descriptors)) {
    fprintf(stderr, "error: %s\n", quantc_last_error());
    goto done;
  }
  /* The results: one struct of descriptors, each 3 + 2r words. */
  size_t words = 0;
  for (int r = 0; r < num_results; ++r) {
    const quantc_type *t = quantc_function_result(fn, r);
    if (!t->shaped || t->rank > MAX_RANK) {
      fprintf(stderr, "error: result %d is not a tensor\n", r);
      goto done;
    }
    words += 3 + 2 * (size_t)t->rank;
  }
  int64_t *results = calloc(words + 1, 8);
  if (num_results)
    *next++ = results;
  quantc_function_entry(fn)(packed);
  const int64_t *at = results;
  for (int r = 0; r < num_results; ++r) {
    const quantc_type *t = quantc_function_result(fn, r);
    print_result(r, t, at, buffers, num_args);
    at += 3 + 2 * t->rank;
  }
  free(results);
  status = 0;
done:
  for (int a = 0; a < num_args; ++a)
    free(buffers[a]);
  free(packed);
  free(buffers);
  free(descriptors);
  free(args);
  quantc_unload(artifact);
  return status;
}
