// flow/arena.h — the per-invocation / per-record bump allocator the runtime
// and generated code share (the event decoder's payload copies, the strings
// SQL expressions compute).
//
// Contract:
// - allocate(n) never fails short of std::bad_alloc; a view into memory the
//   arena handed out stays valid until reset() (growth adds blocks, it never
//   moves what was handed out).
// - reset() keeps the memory: after a round that needed more than one block
//   the blocks are merged into one of their total size, so the next round of
//   that size allocates nothing (steady state allocates nothing).
// - Built with AddressSanitizer, memory past an allocation (up to the next
//   one) and not yet handed out is poisoned: overruns are reported.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "flow/huge_pages.h"

// Without AddressSanitizer the bump is inline (the Kinesis decoder allocates
// once per record; the call was ~2% of q2's handler in situ); with it every
// allocation goes through arena.cpp, which poisons red zones.
#if defined(__SANITIZE_ADDRESS__)
#define FLOW_ARENA_INLINE_BUMP 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FLOW_ARENA_INLINE_BUMP 0
#endif
#endif
#ifndef FLOW_ARENA_INLINE_BUMP
#define FLOW_ARENA_INLINE_BUMP 1
#endif

namespace flow {

class Arena {
 public:
  explicit Arena(size_t firstBlockBytes = 16 * 1024) : firstBlockBytes_(firstBlockBytes) {}
  ~Arena();
  Arena(Arena&&) = default;
  Arena& operator=(Arena&&) = default;

  char* allocate(size_t n) {
#if FLOW_ARENA_INLINE_BUMP
    if (!blocks_.empty() && n <= blocks_.back().size - used_) {  // used_ <= size always
      char* p = blocks_.back().data.get() + used_;
      used_ += n;
      return p;
    }
#endif
    return allocateSlow(n);
  }
  // A copy of `s` ({} when s is empty: nothing is allocated).
  std::string_view copy(std::string_view s);
  // A copy of `s` followed by `padding` zero bytes (always allocates, so the
  // view's data() is never null and the padding is always there).
  std::string_view copyPadded(std::string_view s, size_t padding);
  void reset();

 private:
  char* allocateSlow(size_t n);  // a new block, or any allocation under ASan

  struct Block {
    std::unique_ptr<char[], FreeDeleter> data;
    size_t size = 0;
  };
  std::vector<Block> blocks_;
  size_t firstBlockBytes_;
  size_t used_ = 0;   // in blocks_.back()
  size_t total_ = 0;  // sum of block sizes
};

}  // namespace flow
