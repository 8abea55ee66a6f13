// common/crypto/digest.h against published vectors (FIPS 180-2 for SHA-256, RFC 4231 for
// HMAC-SHA-256) and the properties the keyed derivations rely on.
#include "common/crypto/digest.h"

#include <gtest/gtest.h>

#include <set>

namespace atelier::crypto {
namespace {

TEST(Digest, Sha256MatchesThePublishedVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, HmacSha256MatchesRfc4231) {
  // Test case 2: key "Jefe".
  EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 1: key 0x0b x 20, "Hi There".
  EXPECT_EQ(to_hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(Digest, LabelledMessagesKeepFieldBoundariesAndLabelsApart) {
  EXPECT_NE(labelled_message("l", {"ab", "c"}), labelled_message("l", {"a", "bc"}));
  EXPECT_NE(labelled_message("root", {"s", "c"}), labelled_message("code", {"s", "c"}));
  EXPECT_EQ(labelled_message("l", {"a", "b"}), std::string("l\0a\0b", 5));
}

TEST(Digest, ToHexIsLowerCaseAndTwoDigitsPerByte) {
  const unsigned char bytes[] = {0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(to_hex(bytes), "000fa0ff");
}

TEST(Digest, RandomHexHasTheAskedLengthAndDiffersEachTime) {
  std::set<std::string> seen;
  for (int i = 0; i < 16; ++i) {
    auto h = random_hex(16);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h.value().size(), 32u);
    EXPECT_EQ(h.value().find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(h.value());
  }
  EXPECT_EQ(seen.size(), 16u);
}

}  // namespace
}  // namespace atelier::crypto
