// Buffers of megabytes (the event body, the arena's blocks) on transparent
// huge pages where the kernel offers them (madvise mode, as on Debian and
// Amazon Linux): a 4 MB event then spans 2–3 TLB entries instead of ~1000
// 4 KiB pages, whose walks cost the most when another process has evicted
// the page tables from the caches between two invocations, as it does on
// Lambda and in the benchmark. Below kHugePageBytes, and where madvise
// refuses, these are plain heap allocations.
//
// Measured in the benchmark (4.15 MB events; flowc q1/q2, the no-op, the
// peers interleaved; runtime with and without, four runs alternating, medians
// of 32): per invocation q1 1.86–1.89 ms against 1.96–2.01, q2 1.91–1.92
// against 2.04–2.06, the no-op 0.99–1.06 against 1.17–1.22; peak RSS
// unchanged (~12 MiB). The body buffer alone gave the no-op 1.05–1.06.
#pragma once

#include <cstddef>
#include <cstdlib>

namespace flow {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// `bytes` of memory, 2 MiB-aligned and advised onto huge pages when it is at
// least one huge page (the advice covers whole pages: the size is rounded up
// to one). Free with std::free. Throws std::bad_alloc.
void* allocateLarge(size_t bytes);

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// std::vector's allocator for such buffers.
template <class T>
struct LargeAllocator {
  using value_type = T;
  LargeAllocator() = default;
  template <class U>
  LargeAllocator(const LargeAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(allocateLarge(n * sizeof(T))); }
  void deallocate(T* p, size_t) { std::free(p); }
  template <class U>
  bool operator==(const LargeAllocator<U>&) const {
    return true;
  }
};

}  // namespace flow
