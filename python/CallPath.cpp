//===- CallPath.cpp - calling compiled functions from Python --------------===//
//
// The per-call work of quantc.CompiledFunction, in C++: arguments that are
// already exactly what the function takes (NumPy arrays of its element type
// in native byte order, C-contiguous, of its static sizes, with the sizes its
// ops tie together equal; Python scalars whose value the element type holds
// exactly) become memref descriptors on the stack, the packed entry point is
// called without a symbol lookup, and results are copied into new NumPy
// arrays and their buffers freed. Anything else returns NOT_TAKEN: the Python
// side (quantc/compiler.py) then converts the arguments or raises a clear
// error, and calls again. The rules of what a function accepts are Python's;
// this file only recognises arguments that need no work.
//
// Only pybind11, NumPy's object layout and the C library are used here, not
// MLIR: the class lives in quantc._quantc_rt (python/RuntimeModule.cpp), which
// calls JIT-compiled functions (quantc._quantc hands out their addresses) and
// functions of loaded artifacts alike.
//
//===----------------------------------------------------------------------===//
#include "CallPath.h"

#include "quantc/Runtime/IndexBounds.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

namespace py = pybind11;

namespace {

/// An argument or result as Python describes it: (shaped, element, shape).
struct TypeSpec {
  bool shaped = false;
  std::string element;
  std::vector<int64_t> shape;
};

/// Argument dimensions that must be equal: ([(arg, dim), ...], size, min,
/// max), a dynamic size in [min, max] (max -1: unbounded).
struct GroupSpec {
  std::vector<std::pair<unsigned, unsigned>> members;
  int64_t size = -1;
  int64_t min = 0, max = -1;
};

/// An integer argument whose elements index a table: (arg, size).
using BoundSpec = std::pair<unsigned, int64_t>;

/// The packed entry point of a compiled function.
using PackedFn = void (*)(void **);

/// finalize-memref-to-llvm marks buffers of memref.get_global with this
/// "allocated" pointer: they are not heap memory.
constexpr uintptr_t kDeadBeef = 0xDEADBEEF;

/// An element type as NumPy describes it: kind ('f', 'i' or 'b') and size.
struct Element {
  char kind = 0;
  int size = 0;
};

/// One argument or result: a scalar, or a ranked memref (`shape` with -1 for
/// dynamic sizes).
struct Param {
  bool shaped = false;
  Element element;
  py::dtype dtype;
  std::vector<int64_t> shape;
};

/// Element of a supported Facade element name; kind 0 for the others.
Element elementOf(const std::string &name) {
  if (name == "f16")
    return {'f', 2};
  if (name == "f32")
    return {'f', 4};
  if (name == "f64")
    return {'f', 8};
  if (name == "i1")
    return {'b', 1};
  if (name == "i8")
    return {'i', 1};
  if (name == "u8") // u8 storage behind an i8 argument (quant.scast)
    return {'u', 1};
  if (name == "i16")
    return {'i', 2};
  if (name == "i32")
    return {'i', 4};
  if (name == "i64" || name == "index")
    return {'i', 8};
  return {};
}

py::dtype dtypeOf(Element e) {
  if (e.kind == 'b')
    return py::dtype::of<bool>();
  if (e.kind == 'u')
    return py::dtype::of<uint8_t>();
  if (e.kind == 'f')
    return e.size == 2 ? py::dtype("e")
                       : (e.size == 4 ? py::dtype::of<float>()
                                      : py::dtype::of<double>());
  switch (e.size) {
  case 1:
    return py::dtype::of<int8_t>();
  case 2:
    return py::dtype::of<int16_t>();
  case 4:
    return py::dtype::of<int32_t>();
  default:
    return py::dtype::of<int64_t>();
  }
}

/// Whether NumPy's `descr` is exactly `e` in native byte order.
bool matches(PyObject *descr, Element e) {
  auto *d = py::detail::array_descriptor_proxy(descr);
  // '=' and '|' are native; this file assumes a little-endian host (the
  // memref descriptors' narrow scalars too).
  return d->kind == e.kind && d->elsize == e.size &&
         (d->byteorder == '=' || d->byteorder == '|' || d->byteorder == '<');
}

/// Stores the scalar `obj` as `e` into `slot` if that needs no conversion
/// that could change it: a 0-d array of exactly `e`, a Python float for f64
/// (f32 when the value is a float exactly), a Python int in range of an
/// integer type, a Python bool for i1.
bool scalarInto(PyObject *obj, Element e, int64_t *slot) {
  if (py::isinstance<py::array>(obj)) {
    auto *a = py::detail::array_proxy(obj);
    if (a->nd != 0 || !matches(a->descr, e))
      return false;
    std::memcpy(slot, a->data, e.size);
    return true;
  }
  if (PyBool_Check(obj)) {
    if (e.kind != 'b')
      return false;
    *reinterpret_cast<bool *>(slot) = obj == Py_True;
    return true;
  }
  if (PyFloat_CheckExact(obj)) {
    double v = PyFloat_AS_DOUBLE(obj);
    if (e.kind == 'f' && e.size == 8) {
      std::memcpy(slot, &v, 8);
      return true;
    }
    if (e.kind == 'f' && e.size == 4) {
      auto f = static_cast<float>(v);
      if (static_cast<double>(f) != v && !std::isnan(v))
        return false;
      std::memcpy(slot, &f, 4);
      return true;
    }
    return false;
  }
  if (PyLong_CheckExact(obj) && e.kind == 'i') {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (overflow || (v == -1 && PyErr_Occurred())) {
      PyErr_Clear();
      return false;
    }
    int bits = 8 * e.size;
    if (bits < 64 && (v < -(1LL << (bits - 1)) || v >= (1LL << (bits - 1))))
      return false;
    // Little-endian: the low bytes of the 64-bit value are the narrow one.
    int64_t wide = v;
    std::memcpy(slot, &wide, e.size);
    return true;
  }
  return false;
}

/// Copies `rank`-dimensional data at `src` (element strides `strides`) into
/// the C-contiguous `dst`, dimension `dim` on.
void copyStrided(char *&dst, const char *src, const int64_t *sizes,
                 const int64_t *strides, size_t rank, size_t dim,
                 size_t itemSize) {
  if (dim == rank) {
    std::memcpy(dst, src, itemSize);
    dst += itemSize;
    return;
  }
  if (dim + 1 == rank && strides[dim] == 1) {
    size_t bytes = static_cast<size_t>(sizes[dim]) * itemSize;
    std::memcpy(dst, src, bytes);
    dst += bytes;
    return;
  }
  for (int64_t i = 0; i < sizes[dim]; ++i)
    copyStrided(dst, src + i * strides[dim] * static_cast<int64_t>(itemSize),
                sizes, strides, rank, dim + 1, itemSize);
}

/// Frees the returned buffers it holds when it goes out of scope, also when
/// building a result raised.
struct Frees {
  static constexpr size_t kMax = 16;
  void *stack[kMax];
  std::vector<void *> more;
  size_t count = 0;

  bool contains(void *p) const {
    for (size_t i = 0; i < std::min(count, kMax); ++i)
      if (stack[i] == p)
        return true;
    return std::find(more.begin(), more.end(), p) != more.end();
  }
  void add(void *p) {
    if (count < kMax)
      stack[count] = p;
    else
      more.push_back(p);
    ++count;
  }
  ~Frees() {
    for (size_t i = 0; i < std::min(count, kMax); ++i)
      std::free(stack[i]);
    for (void *p : more)
      std::free(p);
  }
};

/// A compiled function's signature and entry point, ready to be called with
/// a tuple of arguments.
class CallPath {
public:
  CallPath(py::object owner, PackedFn fn, const std::vector<TypeSpec> &args,
           const std::vector<TypeSpec> &resultTypes,
           const std::vector<GroupSpec> &dimGroups,
           const std::vector<BoundSpec> &indexBounds, py::object notTaken)
      : owner(std::move(owner)), fn(fn), notTaken(std::move(notTaken)) {
    supported = fn != nullptr;
    auto convert = [&](const TypeSpec &t) {
      Param p;
      p.shaped = t.shaped;
      p.element = elementOf(t.element);
      if (!p.element.kind) {
        supported = false;
        return p;
      }
      p.dtype = dtypeOf(p.element);
      p.shape = t.shape;
      return p;
    };
    for (const TypeSpec &t : args) {
      params.push_back(convert(t));
      words += params.back().shaped ? 3 + 2 * t.shape.size() : 1;
    }
    size_t align = 1;
    for (const TypeSpec &t : resultTypes) {
      results.push_back(convert(t));
      // The results are returned as one LLVM struct, laid out as in C.
      size_t size = t.shaped ? 8 * (3 + 2 * t.shape.size())
                             : static_cast<size_t>(results.back().element.size);
      size_t fieldAlign = t.shaped ? 8 : std::max<size_t>(size, 1);
      resultBytes = (resultBytes + fieldAlign - 1) / fieldAlign * fieldAlign;
      resultOffsets.push_back(resultBytes);
      resultBytes += std::max<size_t>(size, 1);
      align = std::max(align, fieldAlign);
    }
    resultBytes = (resultBytes + align - 1) / align * align;
    for (const GroupSpec &g : dimGroups) {
      for (auto [arg, dim] : g.members)
        if (arg >= params.size() || !params[arg].shaped ||
            dim >= params[arg].shape.size())
          supported = false;
      groups.push_back(g);
    }
    for (const BoundSpec &b : indexBounds) {
      if (b.first >= params.size() || !params[b.first].shaped ||
          (params[b.first].element.kind != 'i' &&
           params[b.first].element.kind != 'u'))
        supported = false;
      bounds.push_back(b);
    }
  }

  /// Calls the function with `args` if they need no conversion, returning
  /// its result(s); NOT_TAKEN if they do (or cannot be passed).
  py::object call(const py::tuple &args) const {
    size_t n = args.size();
    if (!supported || n != params.size())
      return notTaken;
    // Descriptors and scalars, then the pointers of the packed interface.
    constexpr size_t kStackWords = 128;
    int64_t stackWords[kStackWords];
    void *stackPacked[kStackWords + 1];
    const char *stackData[kStackWords];
    std::vector<int64_t> heapWords;
    std::vector<void *> heapPacked;
    std::vector<const char *> heapData;
    int64_t *word = stackWords;
    void **packed = stackPacked;
    const char **data = stackData;
    if (words > kStackWords || n > kStackWords) {
      heapWords.resize(words);
      heapPacked.resize(words + 1);
      heapData.resize(n);
      word = heapWords.data();
      packed = heapPacked.data();
      data = heapData.data();
    }
    void **next = packed;
    for (size_t i = 0; i < n; ++i) {
      PyObject *a = PyTuple_GET_ITEM(args.ptr(), i);
      const Param &p = params[i];
      data[i] = nullptr;
      if (!p.shaped) {
        *word = 0;
        if (!scalarInto(a, p.element, word))
          return notTaken;
        *next++ = word++;
        continue;
      }
      if (!py::isinstance<py::array>(a))
        return notTaken;
      auto *arr = py::detail::array_proxy(a);
      size_t rank = p.shape.size();
      if (static_cast<size_t>(arr->nd) != rank ||
          !matches(arr->descr, p.element) ||
          !(arr->flags & py::detail::npy_api::NPY_ARRAY_C_CONTIGUOUS_))
        return notTaken;
      for (size_t d = 0; d < rank; ++d)
        if (p.shape[d] >= 0 && p.shape[d] != arr->dimensions[d])
          return notTaken;
      // {allocated, aligned, offset, sizes, strides}; the strides of a
      // C-contiguous array (NumPy's may differ on dimensions of size 1).
      word[0] = word[1] = reinterpret_cast<int64_t>(arr->data);
      word[2] = 0;
      int64_t stride = 1;
      for (size_t d = rank; d-- > 0;) {
        word[3 + d] = arr->dimensions[d];
        word[3 + rank + d] = stride;
        stride *= std::max<int64_t>(arr->dimensions[d], 1);
      }
      for (size_t k = 0; k < 3 + 2 * rank; ++k)
        *next++ = &word[k];
      word += 3 + 2 * rank;
      data[i] = arr->data;
    }
    for (const GroupSpec &g : groups) {
      int64_t want = g.size;
      for (auto [arg, dim] : g.members) {
        int64_t size =
            py::detail::array_proxy(PyTuple_GET_ITEM(args.ptr(), arg))
                ->dimensions[dim];
        if (want < 0)
          want = size;
        else if (size != want)
          return notTaken;
        // A size the code slices a fixed-size buffer to: ValueError.
        if (!quantc::runtime::inDimRange(size, g.min, g.max))
          throw py::value_error(quantc::runtime::dimOutOfRangeMessage(
              arg, dim, size, g.min, g.max));
      }
    }
    // Index arguments (an embedding's token ids): the code does not bound
    // them, and one outside its table reads past it; IndexError, as torch.
    for (auto [arg, size] : bounds) {
      auto *arr = py::detail::array_proxy(PyTuple_GET_ITEM(args.ptr(), arg));
      int64_t count = 1;
      for (int d = 0; d < arr->nd; ++d)
        count *= arr->dimensions[d];
      const Element &e = params[arg].element;
      for (int64_t i = 0; i < count; ++i) {
        int64_t v = quantc::runtime::loadIndexElement(data[arg], i, e.size,
                                                      e.kind == 'u');
        if (v < 0 || v >= size)
          throw py::index_error(
              quantc::runtime::indexOutOfRangeMessage(arg, v, size));
      }
    }

    alignas(16) char stackResult[512];
    std::vector<int64_t> heapResult;
    char *result = stackResult;
    if (resultBytes > sizeof(stackResult)) {
      heapResult.resize((resultBytes + 7) / 8);
      result = reinterpret_cast<char *>(heapResult.data());
    }
    if (!results.empty())
      *next++ = result;
    {
      py::gil_scoped_release release;
      fn(packed);
    }
    if (results.empty())
      return py::none();

    // Returned buffers belong to the caller, unless they are an argument's
    // data or a global: each is freed once, after its data is copied.
    Frees frees;
    for (size_t r = 0; r < results.size(); ++r) {
      if (!results[r].shaped)
        continue;
      auto *d = reinterpret_cast<const int64_t *>(result + resultOffsets[r]);
      auto *allocated = reinterpret_cast<void *>(d[0]);
      if (!allocated || reinterpret_cast<uintptr_t>(allocated) == kDeadBeef ||
          std::find(data, data + n, static_cast<const char *>(allocated)) !=
              data + n ||
          frees.contains(allocated))
        continue;
      frees.add(allocated);
    }
    if (results.size() == 1)
      return take(results[0], result + resultOffsets[0]);
    py::tuple out(results.size());
    for (size_t r = 0; r < results.size(); ++r)
      out[r] = take(results[r], result + resultOffsets[r]);
    return std::move(out);
  }

private:
  /// The result `p` stored at `at` as a NumPy array (a copy) or scalar.
  static py::object take(const Param &p, const char *at) {
    size_t itemSize = p.element.size;
    if (!p.shaped) {
      py::array value(p.dtype, std::vector<py::ssize_t>{});
      std::memcpy(value.mutable_data(), at, itemSize);
      PyObject *scalar = PyObject_GetItem(value.ptr(), py::tuple().ptr());
      if (!scalar)
        throw py::error_already_set();
      return py::reinterpret_steal<py::object>(scalar);
    }
    auto *d = reinterpret_cast<const int64_t *>(at);
    size_t rank = p.shape.size();
    std::vector<py::ssize_t> sizes(d + 3, d + 3 + rank);
    py::array out(p.dtype, sizes);
    int64_t count = 1;
    for (py::ssize_t s : sizes)
      count *= s;
    if (count > 0) {
      const char *base = reinterpret_cast<const char *>(d[1]) +
                         d[2] * static_cast<int64_t>(itemSize);
      char *dst = static_cast<char *>(out.mutable_data());
      copyStrided(dst, base, d + 3, d + 3 + rank, rank, 0, itemSize);
    }
    return std::move(out);
  }

  py::object owner; // the JIT module or artifact that owns `fn`
  PackedFn fn;
  py::object notTaken;
  bool supported = true;
  std::vector<Param> params, results;
  std::vector<GroupSpec> groups;
  std::vector<BoundSpec> bounds;
  std::vector<size_t> resultOffsets;
  size_t words = 0, resultBytes = 0;
};

py::object &notTakenObject() {
  static py::object *object = nullptr;
  if (!object)
    object = new py::object(
        py::module_::import("builtins").attr("object")()); // never freed
  return *object;
}

/// `obj` as a TypeSpec: a (shaped, element, shape) tuple.
TypeSpec typeSpec(py::handle obj) {
  auto t = py::reinterpret_borrow<py::sequence>(obj);
  if (t.size() != 3)
    throw py::value_error("CallPath: a type is (shaped, element, shape)");
  return {t[0].cast<bool>(), t[1].cast<std::string>(),
          t[2].cast<std::vector<int64_t>>()};
}
} // namespace

void quantc::python::bindCallPath(py::module_ &m) {
  py::class_<CallPath>(m, "CallPath")
      .def(py::init([](py::object owner, uintptr_t address,
                       const py::sequence &args, const py::sequence &results,
                       const py::sequence &dimGroups,
                       const py::sequence &indexBounds) {
             std::vector<TypeSpec> a, r;
             for (py::handle t : args)
               a.push_back(typeSpec(t));
             for (py::handle t : results)
               r.push_back(typeSpec(t));
             std::vector<GroupSpec> groups;
             for (py::handle g : dimGroups) {
               auto group = py::reinterpret_borrow<py::sequence>(g);
               if (group.size() != 4)
                 throw py::value_error(
                     "CallPath: a dim group is (members, size, min, max)");
               groups.push_back(
                   {group[0].cast<std::vector<std::pair<unsigned, unsigned>>>(),
                    group[1].cast<int64_t>(), group[2].cast<int64_t>(),
                    group[3].cast<int64_t>()});
             }
             std::vector<BoundSpec> bounds;
             for (py::handle b : indexBounds)
               bounds.push_back(b.cast<BoundSpec>());
             return CallPath(std::move(owner),
                             reinterpret_cast<PackedFn>(address), a, r, groups,
                             bounds, notTakenObject());
           }),
           py::arg("owner"), py::arg("address"), py::arg("args"),
           py::arg("results"), py::arg("dim_groups"),
           py::arg("index_bounds") = py::tuple(),
           "The call path of the packed entry point at `address` (a "
           "function of `owner`, kept alive) with the signature `args` and "
           "`results` ((shaped, element, shape) tuples), `dim_groups` "
           "((members, size, min, max): ValueError for a size out of "
           "[min, max]) and "
           "`index_bounds` ((arg, size): integer arguments a call keeps in "
           "[0, size), IndexError otherwise).")
      .def("__call__", &CallPath::call, py::arg("args"),
           "Calls the function with the tuple `args` if they need no "
           "conversion; returns NOT_TAKEN if they do.");
  m.attr("NOT_TAKEN") = notTakenObject();
}
