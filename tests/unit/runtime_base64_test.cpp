// flow/base64.h: RFC 4648 §10 vectors, every class of invalid input with its
// offset, and a round trip against an independent encoder.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>

#include "base64_differential.h"
#include "flow/base64.h"

namespace {

// An independent, obviously-correct encoder for round trips.
using b64diff::encode;

flow::Base64Result decode(std::string_view in, std::string& out) {
  out.assign(flow::base64MaxDecodedSize(in.size()), '\0');
  flow::Base64Result r = flow::decodeBase64(in, out.data());
  if (r.ok()) out.resize(r.size);
  return r;
}

TEST(RuntimeBase64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, coded] : vectors) {
    std::string out;
    auto r = decode(coded, out);
    ASSERT_TRUE(r.ok()) << coded;
    EXPECT_EQ(out, plain) << coded;
    EXPECT_EQ(encode(plain), coded);
  }
}

TEST(RuntimeBase64, KinesisSampleData) {
  std::string out;
  ASSERT_TRUE(decode("SGVsbG8sIHRoaXMgaXMgYSB0ZXN0IDEyMy4=", out).ok());
  EXPECT_EQ(out, "Hello, this is a test 123.");
}

TEST(RuntimeBase64, RoundTripsRandomBytes) {
  std::mt19937 rng(42);
  for (size_t len = 0; len < 300; ++len) {
    std::string plain(len, '\0');
    for (char& c : plain) c = static_cast<char>(rng());
    std::string out;
    auto r = decode(encode(plain), out);
    ASSERT_TRUE(r.ok()) << len;
    ASSERT_EQ(out, plain) << len;
  }
}

struct Bad {
  const char* input;
  flow::Base64Error error;
  size_t offset;
};

TEST(RuntimeBase64, RejectsEveryInvalidForm) {
  using E = flow::Base64Error;
  const Bad cases[] = {
      {"Zg", E::BadLength, 2},             // unpadded
      {"Zm9vY", E::BadLength, 5},
      {"Zm9v\n", E::BadCharacter, 4},      // whitespace is not allowed
      {"Zm 9v", E::BadCharacter, 2},
      {"Zm9v-_==", E::BadCharacter, 4},    // the URL-safe alphabet is not base64
      {"Zm9\xff", E::BadCharacter, 3},
      {"{{{data}}}==", E::BadCharacter, 0},  // a SAM template placeholder
      {"Zg=a", E::BadPadding, 2},          // data after '='
      {"Z===", E::BadPadding, 1},          // too much padding
      {"====", E::BadPadding, 0},
      {"Zg==Zm9v", E::BadPadding, 2},      // padding in the middle
      {"Zm9vYg==Zg==", E::BadPadding, 6},
      {"Zh==", E::NonCanonical, 1},        // leftover bits set
      {"Zm9=", E::NonCanonical, 2},
  };
  for (const Bad& c : cases) {
    std::string out;
    auto r = decode(c.input, out);
    EXPECT_EQ(static_cast<int>(r.error), static_cast<int>(c.error)) << c.input;
    EXPECT_EQ(r.errorOffset, c.offset) << c.input;
  }
}

TEST(RuntimeBase64, DescribesErrors) {
  std::string out;
  auto r = decode("Zm9v*m9v", out);
  char buf[96];
  EXPECT_EQ(flow::describeBase64Error(r, buf, sizeof buf), "invalid base64: bad character at offset 4");
  r = decode("Zm9", out);
  EXPECT_EQ(flow::describeBase64Error(r, buf, sizeof buf), "invalid base64: length is not a multiple of 4 at offset 3");
}

// Every vector decoder this CPU runs (AVX-512 VBMI, AVX2) and decodeBase64
// against the scalar one: every length 0..200, every byte value at every
// position (base64_differential.h).
TEST(RuntimeBase64, SimdMatchesScalarEverywhere) {
  std::printf("base64 implementation here: %s; compared:", flow::detail::base64Name(flow::detail::base64Used()));
  for (auto impl : b64diff::vectorImpls()) std::printf(" %s", flow::detail::base64Name(impl));
  std::printf("\n");
  b64diff::Report rep = b64diff::run(200, {});
  EXPECT_EQ(rep.failure, "");
  EXPECT_GT(rep.cases, 6000000);
  EXPECT_GT(rep.errors, rep.cases / 2);  // the rejected inputs were really exercised
  if (b64diff::vectorImpls().empty()) GTEST_SKIP() << "no AVX2 on this CPU: the scalar decoder was compared with itself";
}

// What each implementation is for: the fastest one this CPU runs is used.
TEST(RuntimeBase64, TheFastestAvailableImplementationIsUsed) {
  using flow::detail::Base64Impl;
  EXPECT_TRUE(flow::detail::base64Available(Base64Impl::Scalar));
#if defined(__x86_64__)
  bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vbmi");
  bool avx2 = __builtin_cpu_supports("avx2");
  EXPECT_EQ(flow::detail::base64Available(Base64Impl::Avx512Vbmi), avx512);
  EXPECT_EQ(flow::detail::base64Available(Base64Impl::Avx2), avx2);
  EXPECT_FALSE(flow::detail::base64Available(Base64Impl::Neon));
  EXPECT_EQ(flow::detail::base64Used(), avx512 ? Base64Impl::Avx512Vbmi : avx2 ? Base64Impl::Avx2 : Base64Impl::Scalar);
#endif
}

// Each implementation available here (the scalar one included).
std::vector<flow::detail::Base64Impl> allImpls() {
  std::vector<flow::detail::Base64Impl> impls = b64diff::vectorImpls();
  impls.insert(impls.begin(), flow::detail::Base64Impl::Scalar);
  return impls;
}

// Every implementation agrees with the reference on the classic vectors, so
// the differential test above cannot pass by sharing a bug.
TEST(RuntimeBase64, ScalarAndSimdDecodeKnownVectors) {
  for (auto impl : allImpls()) {
    SCOPED_TRACE(flow::detail::base64Name(impl));
    auto decoder = [impl](std::string_view in, char* out) { return flow::detail::decodeBase64With(impl, in, out); };
    std::string plain = "The quick brown fox jumps over the lazy dog, 0123456789 times!";  // 62 bytes → 84 symbols
    std::string coded = "VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZywgMDEyMzQ1Njc4OSB0aW1lcyE=";
    std::string out(flow::base64MaxDecodedSize(coded.size()), '\0');
    flow::Base64Result r = decoder(coded, out.data());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(out.substr(0, r.size), plain);
    coded[40] = '-';
    r = decoder(coded, out.data());
    EXPECT_EQ(r.error, flow::Base64Error::BadCharacter);
    EXPECT_EQ(r.errorOffset, 40u);
  }
}

// The decoder judges a valid last group without a branch on its padding and
// leaves everything else to the exact code. Against the rules written out
// here (the last group's symbols before its padding must be symbols, '='
// only as its last one or two, the bits a padded group leaves over zero),
// every last group over bytes that matter: symbols whose leftover bits are
// zero or not, '=', bytes outside the alphabet, behind a valid group.
TEST(RuntimeBase64, EveryLastGroupIsJudgedByTheRules) {
  auto value = [](unsigned char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  const std::string bytes = std::string("AQgwBhRv/+9z=!.-\n") + '\0' + "\x80\xff";
  const std::vector<flow::detail::Base64Impl> impls = allImpls();
  size_t checked = 0;
  for (unsigned char a : bytes)
    for (unsigned char b : bytes)
      for (unsigned char c : bytes)
        for (unsigned char d : bytes) {
          const unsigned char g[4] = {a, b, c, d};
          std::string in = std::string("Zm9v") + static_cast<char>(a) + static_cast<char>(b) +
                           static_cast<char>(c) + static_cast<char>(d);
          // The rules: symbols = 4, 3 ("xxx=") or 2 ("xx=="); each before
          // the padding a symbol, the first offender named.
          size_t symbols = d != '=' ? 4 : c != '=' ? 3 : 2;
          flow::Base64Error want = flow::Base64Error::None;
          size_t at = 0;
          uint32_t x = 0;
          for (size_t k = 0; k < symbols && want == flow::Base64Error::None; ++k) {
            if (g[k] == '=') {
              want = flow::Base64Error::BadPadding;
              at = 4 + k;
            } else if (value(g[k]) < 0) {
              want = flow::Base64Error::BadCharacter;
              at = 4 + k;
            } else {
              x |= static_cast<uint32_t>(value(g[k])) << (18 - 6 * k);
            }
          }
          if (want == flow::Base64Error::None && ((symbols == 2 && (x & 0xffff)) || (symbols == 3 && (x & 0xff)))) {
            want = flow::Base64Error::NonCanonical;
            at = 4 + symbols - 1;
          }
          for (auto impl : impls) {
            std::string out(flow::base64MaxDecodedSize(in.size()), '\0');
            flow::Base64Result r = flow::detail::decodeBase64With(impl, in, out.data());
            ASSERT_EQ(r.error, want) << in << " (" << flow::detail::base64Name(impl) << ")";
            if (want != flow::Base64Error::None) {
              ASSERT_EQ(r.errorOffset, at) << in << " (" << flow::detail::base64Name(impl) << ")";
              continue;
            }
            ASSERT_EQ(r.size, 3 + symbols - 1) << in << " (" << flow::detail::base64Name(impl) << ")";
            std::string expected = "foo";
            for (size_t k = 0; k + 1 < symbols; ++k) expected += static_cast<char>(x >> (16 - 8 * k));
            ASSERT_EQ(out.substr(0, r.size), expected) << in << " (" << flow::detail::base64Name(impl) << ")";
          }
          ++checked;
        }
  EXPECT_EQ(checked, bytes.size() * bytes.size() * bytes.size() * bytes.size());
}

// Not a timed assertion: prints the speed quoted in flow/base64.h.
TEST(RuntimeBase64, DecodeSpeed) {
  std::string plain(1 << 20, '\0');
  std::mt19937 rng(1);
  for (char& c : plain) c = static_cast<char>(rng());
  std::string coded = encode(plain);
  std::string out(flow::base64MaxDecodedSize(coded.size()), '\0');
  auto start = std::chrono::steady_clock::now();
  int rounds = 20;
  for (int i = 0; i < rounds; ++i) ASSERT_TRUE(flow::decodeBase64(coded, out.data()).ok());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("base64 decode: %.2f GB/s of input\n", coded.size() * rounds / secs / 1e9);
}

}  // namespace
