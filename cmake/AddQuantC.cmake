include(GNUInstallDirs)

# quantc_add_library(name SRCS... [DEPENDS ...] [LINK_LIBS ...] [MLIR_LIBS ...])
# A thin wrapper over add_mlir_library that links MLIR through libMLIR.so
# (MLIR_LINK_MLIR_DYLIB) and installs the library into the QuantCTargets
# export set, so downstream compilers get it from find_package(QuantC) as part
# of QuantC::QuantC (CIRCT's AddCIRCT.cmake is the model).
function(quantc_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;MLIR_LIBS;LINK_LIBS" ${ARGN})
  add_mlir_library(${name} ${ARG_UNPARSED_ARGUMENTS}
    EXCLUDE_FROM_LIBMLIR
    DISABLE_INSTALL
    DEPENDS ${ARG_DEPENDS}
    LINK_LIBS PUBLIC ${ARG_LINK_LIBS})
  mlir_target_link_libraries(${name} PUBLIC ${ARG_MLIR_LIBS})
  target_include_directories(${name} PUBLIC
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  set_property(GLOBAL APPEND PROPERTY QUANTC_LIBS ${name})
  install(TARGETS ${name} EXPORT QuantCTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT quantc
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT quantc)
endfunction()
