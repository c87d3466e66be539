//===- CodeChecks.cpp - an artifact's code.so checked before use ---------===//
//
// See CodeChecks.h.
//
//===----------------------------------------------------------------------===//
#include "CodeChecks.h"

#include "quantc/Runtime/quantc_runtime.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <memory>
#include <sys/stat.h>
#include <vector>

using namespace quantc::runtime;

bool quantc::runtime::checkElfExtents(const std::string &path,
                                      std::string &error) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return true;
  std::unique_ptr<FILE, int (*)(FILE *)> closer(f, &std::fclose);
  struct stat st;
  ElfW(Ehdr) header;
  if (::fstat(fileno(f), &st) != 0 ||
      std::fread(&header, sizeof(header), 1, f) != 1 ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] !=
          (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32))
    return true;
  uint64_t size = static_cast<uint64_t>(st.st_size);
  auto within = [&](uint64_t offset, uint64_t bytes) {
    return offset <= size && bytes <= size - offset;
  };
  auto fail = [&](const std::string &what, uint64_t offset, uint64_t bytes) {
    error = "cannot load the code: " + path +
            " is truncated or corrupt: " + what + " (bytes " +
            std::to_string(offset) + " to " + std::to_string(offset + bytes) +
            ") ends past its " + std::to_string(size) +
            " bytes; save the artifact again";
    return false;
  };
  // Reads `count` entries of `T` at `offset` into `out`.
  auto readTable = [&](auto &out, uint64_t offset, uint64_t count) {
    out.resize(count);
    return count == 0 ||
           (std::fseek(f, static_cast<long>(offset), SEEK_SET) == 0 &&
            std::fread(out.data(), sizeof(out[0]), count, f) == count);
  };
  if (header.e_phentsize == sizeof(ElfW(Phdr))) {
    uint64_t bytes = uint64_t(header.e_phnum) * sizeof(ElfW(Phdr));
    if (!within(header.e_phoff, bytes))
      return fail("the program header table", header.e_phoff, bytes);
    std::vector<ElfW(Phdr)> segments;
    if (!readTable(segments, header.e_phoff, header.e_phnum))
      return fail("the program header table", header.e_phoff, bytes);
    for (size_t k = 0; k < segments.size(); ++k)
      if (!within(segments[k].p_offset, segments[k].p_filesz))
        return fail("segment " + std::to_string(k), segments[k].p_offset,
                    segments[k].p_filesz);
  }
  if (header.e_shoff != 0 && header.e_shentsize == sizeof(ElfW(Shdr))) {
    // More than SHN_LORESERVE sections: e_shnum is 0 and section 0's
    // sh_size holds the count.
    std::vector<ElfW(Shdr)> sections;
    uint64_t count = header.e_shnum;
    if (count == 0) {
      if (!within(header.e_shoff, sizeof(ElfW(Shdr))) ||
          !readTable(sections, header.e_shoff, 1))
        return fail("the section header table", header.e_shoff,
                    sizeof(ElfW(Shdr)));
      count = sections[0].sh_size;
    }
    if (count > size / sizeof(ElfW(Shdr)) ||
        !within(header.e_shoff, count * sizeof(ElfW(Shdr))) ||
        !readTable(sections, header.e_shoff, count))
      return fail("the section header table", header.e_shoff,
                  count * sizeof(ElfW(Shdr)));
    for (size_t k = 0; k < sections.size(); ++k)
      if (sections[k].sh_type != SHT_NOBITS &&
          !within(sections[k].sh_offset, sections[k].sh_size))
        return fail("section " + std::to_string(k), sections[k].sh_offset,
                    sections[k].sh_size);
  }
  return true;
}

bool quantc::runtime::checkSignatures(void *handle, const JsonValue &functions,
                                      const JsonValue *params,
                                      std::string &error) {
  const void *record = dlsym(handle, QUANTC_SIGNATURE_SYMBOL);
  if (!record)
    return true;
  const char *againMessage = " (manifest.json was edited, or belongs to "
                             "another code.so: save the artifact again)";
  // The record's bytes are bounded by its ELF symbol size.
  Dl_info info;
  void *entry = nullptr;
  auto *sym = dladdr1(record, &info, &entry, RTLD_DL_SYMENT)
                  ? static_cast<const ElfW(Sym) *>(entry)
                  : nullptr;
  JsonValue code;
  std::string parseError;
  if (!sym ||
      !parseJson(
          std::string(static_cast<const char *>(record),
                      strnlen(static_cast<const char *>(record), sym->st_size)),
          code, parseError) ||
      !isArray(code.get("functions")) || !isArray(code.get("params"))) {
    error = "the code's " QUANTC_SIGNATURE_SYMBOL " is not a signature record";
    return false;
  }
  for (const JsonValue &f : functions.array) {
    const JsonValue *name = f.get("name");
    if (!isString(name))
      continue; // readFunction says what is missing
    const JsonValue *saved = nullptr;
    for (const JsonValue &c : code.get("functions")->array)
      if (c.get("name") && *c.get("name") == *name)
        saved = &c;
    if (!saved) {
      error = "manifest.json lists @" + name->string +
              ", which is not a public function of the code" + againMessage;
      return false;
    }
    for (const char *key : {"args", "results", "dim_groups", "index_bounds"}) {
      // (A key the code's record lacks is one older artifacts did not
      // record; one the manifest lacks while the code has it was removed.)
      const JsonValue *m = f.get(key), *c = saved->get(key);
      if (c && (!m || *m != *c)) {
        error = std::string("the '") + key + "' of @" + name->string +
                " in manifest.json differ from those the code was compiled "
                "with" +
                againMessage;
        return false;
      }
    }
  }
  JsonValue none;
  none.kind = JsonValue::Array;
  if (*code.get("params") != (params ? *params : none)) {
    error = std::string("the 'params' in manifest.json differ from those the "
                        "code was compiled with") +
            againMessage;
    return false;
  }
  return true;
}
