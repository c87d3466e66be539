//===- LoadedObjects.h - the shared objects of this process -----*- C++ -*-===//
//
// Shared by the artifact writer (which library defines a symbol the code
// calls) and the runtime (which libraries loading an artifact brought in).
// Header-only: the runtime links only the C and C++ libraries.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_RUNTIME_LOADEDOBJECTS_H
#define QUANTC_RUNTIME_LOADEDOBJECTS_H

#include <link.h>
#include <string>
#include <vector>

namespace quantc::runtime {

/// The paths of the shared objects loaded in this process, in load order
/// (the program itself, which has no name, excluded).
inline std::vector<std::string> loadedObjects() {
  std::vector<std::string> paths;
  dl_iterate_phdr(
      [](struct dl_phdr_info *info, size_t, void *data) {
        if (info->dlpi_name && info->dlpi_name[0])
          static_cast<std::vector<std::string> *>(data)->push_back(
              info->dlpi_name);
        return 0;
      },
      &paths);
  return paths;
}

} // namespace quantc::runtime

#endif // QUANTC_RUNTIME_LOADEDOBJECTS_H
