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

namespace flow {

class Arena {
 public:
  explicit Arena(size_t firstBlockBytes = 16 * 1024) : firstBlockBytes_(firstBlockBytes) {}
  ~Arena();
  Arena(Arena&&) = default;
  Arena& operator=(Arena&&) = default;

  char* allocate(size_t n);
  // A copy of `s` ({} when s is empty: nothing is allocated).
  std::string_view copy(std::string_view s);
  // A copy of `s` followed by `padding` zero bytes (always allocates, so the
  // view's data() is never null and the padding is always there).
  std::string_view copyPadded(std::string_view s, size_t padding);
  void reset();

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size = 0;
  };
  std::vector<Block> blocks_;
  size_t firstBlockBytes_;
  size_t used_ = 0;   // in blocks_.back()
  size_t total_ = 0;  // sum of block sizes
};

}  // namespace flow
