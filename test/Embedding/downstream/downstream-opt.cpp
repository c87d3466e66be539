// A downstream opt tool: its own driver, quantc registered with one call each.
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "quantc/InitAll.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  quantc::registerAllDialects(registry);
  quantc::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "quantc downstream example\n", registry));
}
