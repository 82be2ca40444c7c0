// flow/arena.h: the one bump allocator of the event decoder and generated
// expressions (flow::sql::Arena is the same class).
#include "flow/arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <type_traits>
#include <vector>

#include "flow/huge_pages.h"
#include "flow/sql.h"

namespace {

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_TEST_ASAN 1
#endif
#endif

static_assert(std::is_same_v<flow::sql::Arena, flow::Arena>);

TEST(RuntimeArena, CopyPaddedZeroesThePaddingAndAlwaysAllocates) {
  flow::Arena a(64);
  std::string_view v = a.copyPadded("abc", 8);
  ASSERT_EQ(v, "abc");
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(v.data()[3 + i], '\0') << i;
  std::string_view empty = a.copyPadded("", 4);
  EXPECT_TRUE(empty.empty());
  ASSERT_NE(empty.data(), nullptr);  // simdjson is handed data(): never null
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(empty.data()[i], '\0');
  EXPECT_EQ(a.copy("").data(), nullptr);  // copy() of nothing allocates nothing
}

TEST(RuntimeArena, ViewsSurviveGrowthAndTheMergedBlockIsReused) {
  flow::Arena a(64);
  std::string_view first = a.copy("first");
  std::string big(1000, 'x');
  std::string_view v1 = a.copyPadded(big, 16);  // a second block
  std::string_view v2 = a.copy(std::string(5000, 'y'));  // a third
  EXPECT_EQ(first, "first");
  EXPECT_EQ(v1, big);
  EXPECT_EQ(v2, std::string(5000, 'y'));
  a.reset();
  const char* p = a.allocate(6000);  // fits the merged block: no new one
  a.reset();
  EXPECT_EQ(a.allocate(6000), p);
  std::string_view again = a.copy("after reset");
  EXPECT_EQ(again, "after reset");
}

#ifdef ARENA_TEST_ASAN
// Under ASan an overrun of an arena allocation is reported, not absorbed by
// the rest of the block.
TEST(RuntimeArenaDeathTest, ReadingPastAnAllocationIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        flow::Arena a;
        std::string_view v = a.copyPadded("0123456789", 4);
        volatile char c = v.data()[v.size() + 4];  // one past the padding
        (void)c;
      },
      "AddressSanitizer");
  EXPECT_DEATH(
      {
        flow::Arena a;
        a.copy("x");
        a.reset();
        volatile char c = a.allocate(1)[1];  // handed out: 1 byte
        (void)c;
      },
      "AddressSanitizer");
}
#endif

// flow/huge_pages.h: what the body buffer and the arena's large blocks sit on.
// Whether the kernel advises huge pages at all is the host's setting; where
// it does ("[always]" or "[madvise]"), the buffer's mapping must be eligible.
std::string transparentHugePages() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  std::getline(in, line);
  return line;
}

// The THPeligible value of the mapping that holds `p` in /proc/self/smaps
// ("1" or "0"), "" when there is none.
std::string thpEligible(const void* p) {
  std::ifstream in("/proc/self/smaps");
  std::string line;
  bool inside = false;
  auto at = reinterpret_cast<uintptr_t>(p);
  while (std::getline(in, line)) {
    unsigned long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find('-') < line.find(' ')) {
      inside = at >= lo && at < hi;
    } else if (inside && line.rfind("THPeligible:", 0) == 0) {
      size_t last = line.find_last_not_of(" \t");
      return line.substr(last, 1);
    }
  }
  return "";
}

TEST(RuntimeHugePages, LargeBuffersAreAlignedAndAdvised) {
  constexpr size_t kSize = 3 * (size_t{1} << 20) + 5;
  char* big = static_cast<char*>(flow::allocateLarge(kSize));
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big) % flow::kHugePageBytes, 0u);
  std::memset(big, 'x', kSize);
  EXPECT_EQ(big[kSize - 1], 'x');
  std::string setting = transparentHugePages();
  if (!setting.empty() && setting.find("[never]") == std::string::npos) {
    EXPECT_EQ(thpEligible(big), "1") << setting;
  }
  std::free(big);

  char* small = static_cast<char*>(flow::allocateLarge(100));  // a plain allocation
  ASSERT_NE(small, nullptr);
  std::memset(small, 'y', 100);
  std::free(small);
  std::free(flow::allocateLarge(0));
}

TEST(RuntimeHugePages, ArenaBlocksAndVectorsUseThem) {
  flow::Arena a(64);
  char* block = a.allocate(3 << 20);  // a block of its own, at its start
  EXPECT_EQ(reinterpret_cast<uintptr_t>(block) % flow::kHugePageBytes, 0u);
  std::memset(block, 'z', 3 << 20);
  a.reset();
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.allocate(1)) % flow::kHugePageBytes, 0u);  // the same block, again

  std::vector<char, flow::LargeAllocator<char>> body;
  body.resize(5 << 20, 'b');
  EXPECT_EQ(reinterpret_cast<uintptr_t>(body.data()) % flow::kHugePageBytes, 0u);
  EXPECT_EQ(body[(5 << 20) - 1], 'b');
}

}  // namespace
