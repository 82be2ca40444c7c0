// The bump allocator (flow/arena.h).
//
// Under AddressSanitizer (the unit tests' and the fuzzer's builds) the unused
// part of every block is poisoned and each allocation is followed by a
// poisoned red zone, so reading or writing past what allocate() returned is
// reported like a heap overflow instead of landing silently in a neighbour.
// Handler builds have no sanitizer: there the code below is the plain bump.
#include "flow/arena.h"

#include <algorithm>
#include <cstring>

#if defined(__SANITIZE_ADDRESS__)
#define FLOW_ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FLOW_ARENA_ASAN 1
#endif
#endif

#ifdef FLOW_ARENA_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace flow {
namespace {

// A block's memory: large ones on huge pages (flow/huge_pages.h).
std::unique_ptr<char[], FreeDeleter> newBlock(size_t size) {
  return std::unique_ptr<char[], FreeDeleter>(static_cast<char*>(allocateLarge(size)));
}

#ifdef FLOW_ARENA_ASAN
constexpr size_t kRedZone = 32;
constexpr size_t kAlign = 8;  // ASan's granule: red zones start on one
void poison(const char* p, size_t n) { ASAN_POISON_MEMORY_REGION(p, n); }
void unpoison(const char* p, size_t n) { ASAN_UNPOISON_MEMORY_REGION(p, n); }
#else
constexpr size_t kRedZone = 0;
constexpr size_t kAlign = 1;
void poison(const char*, size_t) {}
void unpoison(const char*, size_t) {}
#endif

}  // namespace

char* Arena::allocateSlow(size_t n) {
  size_t need = n + kRedZone;
  size_t start = (used_ + kAlign - 1) / kAlign * kAlign;
  if (blocks_.empty() || start > blocks_.back().size || need > blocks_.back().size - start) {
    size_t size = std::max<size_t>(need, blocks_.empty() ? firstBlockBytes_ : blocks_.back().size * 2);
    blocks_.push_back({newBlock(size), size});
    poison(blocks_.back().data.get(), size);
    start = 0;
    total_ += size;
  }
  char* p = blocks_.back().data.get() + start;
  unpoison(p, n);
  used_ = start + need;
  return p;
}

std::string_view Arena::copy(std::string_view s) {
  if (s.empty()) return {};
  char* p = allocate(s.size());
  std::memcpy(p, s.data(), s.size());
  return {p, s.size()};
}

std::string_view Arena::copyPadded(std::string_view s, size_t padding) {
  char* p = allocate(s.size() + padding);
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  std::memset(p + s.size(), 0, padding);
  return {p, s.size()};
}

void Arena::reset() {
  if (blocks_.size() > 1) {
    size_t total = total_;
    for (Block& b : blocks_) unpoison(b.data.get(), b.size);
    blocks_.clear();
    blocks_.push_back({newBlock(total), total});
    total_ = total;
  }
  if (!blocks_.empty()) poison(blocks_.back().data.get(), blocks_.back().size);
  used_ = 0;
}

Arena::~Arena() {
  for (Block& b : blocks_) unpoison(b.data.get(), b.size);
}

}  // namespace flow
