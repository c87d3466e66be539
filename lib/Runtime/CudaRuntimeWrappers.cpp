//===- CudaRuntimeWrappers.cpp - mgpu* functions over the CUDA driver API -===//
//
// The host code that `--quantc-gpu-pipeline` produces (gpu-to-llvm and the
// gpu.binary translation) calls these functions. Debian ships no
// libmlir_cuda_runtime, so quantc carries its own, with the signatures that
// MLIR 22's lowering emits (upstream mlir/lib/ExecutionEngine/
// CudaRuntimeWrappers.cpp). It depends on libcuda only: executables built
// ahead of time run on a GPU machine without LLVM.
//
// Unlike upstream, a failing driver call is fatal: a launch that failed would
// otherwise leave an output buffer that looks like a result.
//
//===----------------------------------------------------------------------===//
#include "cuda.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#define QUANTC_EXPORT extern "C" __attribute__((visibility("default")))

static void check(CUresult result, const char *expr) {
  if (result == CUDA_SUCCESS)
    return;
  const char *name = nullptr, *msg = nullptr;
  cuGetErrorName(result, &name);
  cuGetErrorString(result, &msg);
  fprintf(stderr, "quantc CUDA runtime: '%s' failed with %s: %s\n", expr,
          name ? name : "<unknown>", msg ? msg : "");
  std::exit(1);
}
#define CUDA_CHECK(expr) check((expr), #expr)

thread_local static int32_t defaultDevice = 0;

static CUdevice getDevice() {
  CUdevice device;
  CUDA_CHECK(cuDeviceGet(&device, defaultDevice));
  return device;
}

/// Makes the primary context of the default device current for the scope.
class ScopedContext {
public:
  ScopedContext() {
    static CUcontext context = [] {
      CUDA_CHECK(cuInit(/*flags=*/0));
      CUcontext ctx;
      CUDA_CHECK(cuDevicePrimaryCtxRetain(&ctx, getDevice()));
      return ctx;
    }();
    CUDA_CHECK(cuCtxPushCurrent(context));
  }
  ~ScopedContext() { CUDA_CHECK(cuCtxPopCurrent(nullptr)); }
};

QUANTC_EXPORT CUmodule mgpuModuleLoad(void *data, size_t /*gpuBlobSize*/) {
  ScopedContext scopedContext;
  CUmodule module = nullptr;
  CUDA_CHECK(cuModuleLoadData(&module, data));
  return module;
}

/// PTX (format=isa) is compiled by the driver at load time.
QUANTC_EXPORT CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  ScopedContext scopedContext;
  CUmodule module = nullptr;
  char jitErrorBuffer[4096] = {0};
  CUjit_option jitOptions[] = {CU_JIT_ERROR_LOG_BUFFER,
                               CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                               CU_JIT_OPTIMIZATION_LEVEL};
  void *jitOptionsVals[] = {
      jitErrorBuffer, reinterpret_cast<void *>(sizeof(jitErrorBuffer)),
      reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
  CUresult result =
      cuModuleLoadDataEx(&module, data, 3, jitOptions, jitOptionsVals);
  if (result != CUDA_SUCCESS)
    fprintf(stderr, "quantc CUDA runtime: JIT log: %s\n", jitErrorBuffer);
  CUDA_CHECK(result);
  return module;
}

/// Called from a global destructor of the generated code: by then the driver
/// may already be shut down, which is not an error.
QUANTC_EXPORT void mgpuModuleUnload(CUmodule module) {
  CUresult result = cuModuleUnload(module);
  if (result == CUDA_ERROR_DEINITIALIZED ||
      result == CUDA_ERROR_INVALID_CONTEXT)
    return;
  CUDA_CHECK(result);
}

QUANTC_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module,
                                               const char *name) {
  CUfunction function = nullptr;
  CUDA_CHECK(cuModuleGetFunction(&function, module, name));
  return function;
}

/// intptr_t sizes match MLIR's index type. Dynamic shared memory above the
/// 48 KiB default is opted into per function, as upstream does.
QUANTC_EXPORT void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                    intptr_t gridY, intptr_t gridZ,
                                    intptr_t blockX, intptr_t blockY,
                                    intptr_t blockZ, int32_t smem,
                                    CUstream stream, void **params,
                                    void **extra, size_t /*paramsCount*/) {
  ScopedContext scopedContext;
  if (smem > 0) {
    int32_t maxShmem = 0;
    CUDA_CHECK(cuDeviceGetAttribute(
        &maxShmem, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
        getDevice()));
    if (maxShmem < smem) {
      fprintf(stderr,
              "quantc CUDA runtime: kernel needs %d bytes of shared memory, "
              "the device allows %d\n",
              smem, maxShmem);
      std::exit(1);
    }
    CUDA_CHECK(cuFuncSetAttribute(
        function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem));
  }
  CUDA_CHECK(cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                            blockZ, smem, stream, params, extra));
}

QUANTC_EXPORT CUstream mgpuStreamCreate() {
  ScopedContext scopedContext;
  CUstream stream = nullptr;
  CUDA_CHECK(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  return stream;
}

QUANTC_EXPORT void mgpuStreamDestroy(CUstream stream) {
  CUDA_CHECK(cuStreamDestroy(stream));
}

QUANTC_EXPORT void mgpuStreamSynchronize(CUstream stream) {
  CUDA_CHECK(cuStreamSynchronize(stream));
}

QUANTC_EXPORT void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  CUDA_CHECK(cuStreamWaitEvent(stream, event, /*flags=*/0));
}

QUANTC_EXPORT CUevent mgpuEventCreate() {
  ScopedContext scopedContext;
  CUevent event = nullptr;
  CUDA_CHECK(cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
  return event;
}

QUANTC_EXPORT void mgpuEventDestroy(CUevent event) {
  CUDA_CHECK(cuEventDestroy(event));
}

QUANTC_EXPORT void mgpuEventSynchronize(CUevent event) {
  CUDA_CHECK(cuEventSynchronize(event));
}

QUANTC_EXPORT void mgpuEventRecord(CUevent event, CUstream stream) {
  CUDA_CHECK(cuEventRecord(event, stream));
}

QUANTC_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, CUstream /*stream*/,
                                 bool isHostShared) {
  ScopedContext scopedContext;
  CUdeviceptr ptr = 0;
  if (sizeBytes == 0)
    return nullptr;
  if (isHostShared)
    CUDA_CHECK(cuMemAllocManaged(&ptr, sizeBytes, CU_MEM_ATTACH_GLOBAL));
  else
    CUDA_CHECK(cuMemAlloc(&ptr, sizeBytes));
  return reinterpret_cast<void *>(ptr);
}

QUANTC_EXPORT void mgpuMemFree(void *ptr, CUstream /*stream*/) {
  if (!ptr)
    return;
  ScopedContext scopedContext;
  CUDA_CHECK(cuMemFree(reinterpret_cast<CUdeviceptr>(ptr)));
}

QUANTC_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                              CUstream stream) {
  ScopedContext scopedContext;
  CUDA_CHECK(cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                           reinterpret_cast<CUdeviceptr>(src), sizeBytes,
                           stream));
}

QUANTC_EXPORT void mgpuMemset32(void *dst, unsigned int value, size_t count,
                                CUstream stream) {
  ScopedContext scopedContext;
  CUDA_CHECK(cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                              stream));
}

QUANTC_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                                CUstream stream) {
  ScopedContext scopedContext;
  CUDA_CHECK(cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                              stream));
}

QUANTC_EXPORT void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes) {
  ScopedContext scopedContext;
  CUDA_CHECK(cuMemHostRegister(ptr, sizeBytes, /*flags=*/0));
}

QUANTC_EXPORT void mgpuMemHostUnregister(void *ptr) {
  ScopedContext scopedContext;
  CUDA_CHECK(cuMemHostUnregister(ptr));
}

QUANTC_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  defaultDevice = device;
}

/// A 2-D TMA tensor map over a row-major int8 matrix [rows, cols] at `base`
/// (device memory), box [boxRows, boxCols], 128-byte swizzle, copied to
/// device memory: the kernel reads it through the returned pointer. The
/// quantc launch wrappers free it with quantcTensorMapFree after the launch.
QUANTC_EXPORT void *quantcTensorMap2D(void *base, int64_t rows, int64_t cols,
                                      int64_t boxRows, int64_t boxCols) {
  ScopedContext scopedContext;
  CUtensorMap map;
  cuuint64_t dims[2] = {static_cast<cuuint64_t>(cols),
                        static_cast<cuuint64_t>(rows)};
  cuuint64_t strides[1] = {static_cast<cuuint64_t>(cols)};
  cuuint32_t box[2] = {static_cast<cuuint32_t>(boxCols),
                       static_cast<cuuint32_t>(boxRows)};
  cuuint32_t elementStrides[2] = {1, 1};
  CUDA_CHECK(cuTensorMapEncodeTiled(
      &map, CU_TENSOR_MAP_DATA_TYPE_UINT8, 2, base, dims, strides, box,
      elementStrides, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
      CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE));
  CUdeviceptr dev = 0;
  CUDA_CHECK(cuMemAlloc(&dev, sizeof(map)));
  CUDA_CHECK(cuMemcpyHtoD(dev, &map, sizeof(map)));
  return reinterpret_cast<void *>(dev);
}

QUANTC_EXPORT void quantcTensorMapFree(void *map) { mgpuMemFree(map, nullptr); }
