// flow/arena.h: the one bump allocator of the event decoder and generated
// expressions (flow::sql::Arena is the same class).
#include "flow/arena.h"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

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

}  // namespace
