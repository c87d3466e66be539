# quantc_add_library(name SRCS... [DEPENDS ...] [MLIR_LIBS ...])
# A thin wrapper over add_mlir_library that links MLIR through libMLIR.so
# (MLIR_LINK_MLIR_DYLIB) and records the target for installation/export.
function(quantc_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;MLIR_LIBS;LINK_LIBS" ${ARGN})
  add_mlir_library(${name} ${ARG_UNPARSED_ARGUMENTS}
    EXCLUDE_FROM_LIBMLIR
    DISABLE_INSTALL
    DEPENDS ${ARG_DEPENDS}
    LINK_LIBS PUBLIC ${ARG_LINK_LIBS})
  mlir_target_link_libraries(${name} PUBLIC ${ARG_MLIR_LIBS})
  set_property(GLOBAL APPEND PROPERTY QUANTC_LIBS ${name})
endfunction()
