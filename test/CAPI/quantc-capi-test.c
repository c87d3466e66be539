/* quantc-capi-test FILE PIPELINE: parses FILE, runs the textual PIPELINE on
 * it through the C API only, and prints the result. Exit code 1 on failure. */
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/Support.h"
#include "quantc-c/Dialects.h"
#include "quantc-c/Passes.h"

#include <stdio.h>
#include <stdlib.h>

static void printToStdout(MlirStringRef s, void *user) {
  (void)user;
  fwrite(s.data, 1, s.length, stdout);
}

static char *readFile(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc(n + 1);
  if (fread(buf, 1, n, f) != (size_t)n) {
    fclose(f);
    free(buf);
    return NULL;
  }
  buf[n] = 0;
  fclose(f);
  return buf;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s FILE PIPELINE\n", argv[0]);
    return 2;
  }
  char *src = readFile(argv[1]);
  if (!src) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }

  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  quantcRegisterAllDialects(registry);
  MlirContext ctx = mlirContextCreate();
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  /* The dialect handle works on its own too. */
  MlirDialect quantc =
      mlirDialectHandleLoadDialect(mlirGetDialectHandle__quantc__(), ctx);
  MlirStringRef ns = mlirDialectGetNamespace(quantc);
  printf("// dialect: %.*s\n", (int)ns.length, ns.data);

  quantcRegisterAllPasses();

  int rc = 1;
  MlirModule module =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(src));
  if (mlirModuleIsNull(module)) {
    fprintf(stderr, "parse failed\n");
    goto done;
  }
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirLogicalResult parsed = mlirParsePassPipeline(
      mlirPassManagerGetAsOpPassManager(pm),
      mlirStringRefCreateFromCString(argv[2]), printToStdout, NULL);
  if (mlirLogicalResultIsFailure(parsed)) {
    fprintf(stderr, "\nbad pipeline\n");
  } else if (mlirLogicalResultIsFailure(
                 mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module)))) {
    fprintf(stderr, "pass pipeline failed\n");
  } else {
    mlirOperationPrint(mlirModuleGetOperation(module), printToStdout, NULL);
    printf("\n");
    rc = 0;
  }
  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);
done:
  mlirContextDestroy(ctx);
  free(src);
  return rc;
}
