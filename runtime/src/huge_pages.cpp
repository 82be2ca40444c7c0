// Large buffers on transparent huge pages (flow/huge_pages.h).
#include "flow/huge_pages.h"

#include <sys/mman.h>

#include <new>

namespace flow {

void* allocateLarge(size_t bytes) {
  if (bytes < kHugePageBytes) {
    void* p = std::malloc(bytes == 0 ? 1 : bytes);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  void* p = std::aligned_alloc(kHugePageBytes, rounded);
  if (p == nullptr) throw std::bad_alloc();
  ::madvise(p, rounded, MADV_HUGEPAGE);  // advice: refused or not, the memory is there
  return p;
}

}  // namespace flow
