// controller/evidence: the signing key's file (0600, atomic, one key for concurrent creators),
// sign/verify, base64, the ustar writer against the strict reader and GNU tar, the manifest's
// text form, and verify_bundle naming what changed for a flipped byte in every kind of member.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "controller/evidence/bundle.h"
#include "controller/evidence/signing_key.h"
#include "controller/evidence/ustar.h"
#include "tests/support/test_support.h"

namespace atelier::evidence {
namespace {

namespace fs = std::filesystem;
using test_support::TempDir;

TEST(SigningKey, IsMadeOnceWithMode0600AndReadBack) {
  TempDir dir("atelier-evidence");
  const fs::path file = dir / "signing.key";
  auto made = SigningKey::load_or_create(file);
  ASSERT_OK(made);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = SigningKey::load_or_create(file);
  ASSERT_OK(again);
  EXPECT_EQ(made->public_key(), again->public_key());
  EXPECT_EQ(fingerprint(made->public_key()).size(), 16u);
  // No temporary file left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(SigningKey, ConcurrentCreatorsEndWithOneKey) {
  TempDir dir("atelier-evidence");
  const fs::path file = dir / "signing.key";
  std::vector<std::string> keys(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    threads.emplace_back([&, i] {
      auto k = SigningKey::load_or_create(file);
      if (k.ok()) keys[i] = k->public_key().raw;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& k : keys) EXPECT_EQ(k, keys[0]);
  EXPECT_EQ(keys[0].size(), 32u);
}

TEST(SigningKey, RefusesAFileThatIsNotAKeyAndLeavesIt) {
  TempDir dir("atelier-evidence");
  const fs::path file = dir / "signing.key";
  std::ofstream(file) << "not a key\n";
  auto k = SigningKey::load_or_create(file);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(test_support::read_text(file), "not a key\n");
  EXPECT_EQ(SigningKey::load(dir / "absent.key").error().code(), ErrorCode::kNotFound);
}

TEST(Signature, VerifiesOnlyTheSameMessageUnderTheSameKey) {
  auto a = SigningKey::generate();
  auto b = SigningKey::generate();
  ASSERT_OK(a);
  ASSERT_OK(b);
  const std::string sig = a->sign("résultats du jury");
  EXPECT_EQ(sig.size(), 64u);
  EXPECT_TRUE(verify(a->public_key(), "résultats du jury", sig));
  EXPECT_FALSE(verify(a->public_key(), "résultats du jurY", sig));
  EXPECT_FALSE(verify(b->public_key(), "résultats du jury", sig));
  std::string flipped = sig;
  flipped[10] ^= 1;
  EXPECT_FALSE(verify(a->public_key(), "résultats du jury", flipped));
  EXPECT_FALSE(verify(a->public_key(), "résultats du jury", sig.substr(0, 63)));
}

TEST(Signature, KnownAnswerOfRfc8032) {
  // RFC 8032 section 7.1, TEST 1: the empty message.
  const std::string seed_hex = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  std::string seed;
  for (std::size_t i = 0; i < 64; i += 2)
    seed.push_back(static_cast<char>(std::stoi(seed_hex.substr(i, 2), nullptr, 16)));
  auto k = SigningKey::from_seed(seed);
  ASSERT_OK(k);
  EXPECT_EQ(sha256_hex(k->public_key().raw),
            sha256_hex(*base64_decode("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")));
  EXPECT_EQ(base64_encode(k->sign("")).substr(0, 20), "5VZDAMNgrHKQhuLMgG6C");
}

TEST(Base64, RoundTripsAndRejects) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto back = base64_decode(base64_encode(s));
    ASSERT_OK(back);
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(base64_decode("abc").ok());
  EXPECT_FALSE(base64_decode("ab!d").ok());
  EXPECT_FALSE(parse_public_key("YWJj").ok());
}

TEST(Ustar, RoundTripsAndGnuTarReadsIt) {
  std::vector<TarMember> members = {
      {"results.json", "{\"a\":1}\n"}, {"lab/tasks/t1.md", std::string(1000, 'x')}, {"empty", ""}};
  auto archive = write_ustar(members, 1'700'000'000);
  ASSERT_OK(archive);
  EXPECT_EQ(archive->size() % 512, 0u);
  auto back = read_ustar(*archive);
  ASSERT_OK(back);
  EXPECT_EQ(*back, members);
  TempDir dir("atelier-ustar");
  { std::ofstream(dir / "a.tar", std::ios::binary) << *archive; }
  const std::string cmd = "tar -tf " + (dir / "a.tar").string() + " > " + (dir / "list").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(test_support::read_text(dir / "list"), "results.json\nlab/tasks/t1.md\nempty\n");
}

TEST(Ustar, RefusesBadNamesAndDamagedHeaders) {
  for (const char* name : {"/etc/passwd", "../x", "a/../b", "a//b", "dir/", ""}) {
    EXPECT_FALSE(write_ustar({{name, "x"}}, 0).ok()) << name;
  }
  auto archive = write_ustar({{"a", "x"}, {"b", "y"}}, 0);
  ASSERT_OK(archive);
  std::string bad = *archive;
  bad[512 + 512 + 3] ^= 1;  // the second header's name
  auto r = read_ustar(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("header at byte 1024: checksum"), std::string::npos)
      << r.error().message();
  EXPECT_FALSE(read_ustar(archive->substr(0, 1024)).ok());
  auto dup = write_ustar({{"a", "x"}, {"a", "y"}}, 0);
  ASSERT_OK(dup);
  EXPECT_NE(read_ustar(*dup).error().message().find("twice"), std::string::npos);
}

TEST(Manifest, RendersAndParsesBack) {
  Manifest m;
  m.fields = {{"session", "s1"}, {"candidate", "c01"}};
  m.files = {{sha256_hex("x"), "results.json"}, {sha256_hex(""), "lab/lab.yaml"}};
  const std::string text = render_manifest(m);
  EXPECT_NE(text.find("\n\n" + sha256_hex("x") + "  results.json\n"), std::string::npos);
  auto back = parse_manifest(text);
  ASSERT_OK(back);
  EXPECT_EQ(*back, m);
  EXPECT_EQ(back->field("candidate"), "c01");
  EXPECT_FALSE(parse_manifest("atelier-bundle-manifest/1\nsession: s1\n").ok());  // no file list
  EXPECT_FALSE(parse_manifest("atelier-bundle-manifest/1\n\nnothex  a\n").ok());
  EXPECT_NE(lab_hash(m.files), lab_hash({m.files[0]}));
}

class Bundle : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = SigningKey::generate();
    ASSERT_OK(k);
    key_ = std::make_unique<SigningKey>(std::move(k).value());
    auto b = make_bundle(members_, {{"session", "s1"}, {"candidate", "c01"}}, *key_, 1'700'000'000);
    ASSERT_OK(b);
    bundle_ = std::move(b).value();
  }
  // The bundle with one byte of member `name`'s data flipped.
  std::string flip(const std::string& name) const {
    auto members = read_ustar(bundle_);
    std::string out;
    for (auto& m : *members) {
      if (m.name == name) m.data[m.data.size() / 2] ^= 0x01;
    }
    return *write_ustar(*members, 1'700'000'000);
  }
  static std::string joined(const VerifyReport& r) {
    std::string s;
    for (const auto& p : r.problems) s += p + "\n";
    return s;
  }
  std::vector<TarMember> members_ = {{"results.json", "{\"c01\":1}\n"},
                                     {"runs.json", "[]\n"},
                                     {"lab/lab.yaml", "id: demo\n"},
                                     {"recordings/server-1.cast", "{\"version\":2}\n"}};
  std::unique_ptr<SigningKey> key_;
  std::string bundle_;
};

TEST_F(Bundle, VerifiesAndSaysWhatItCovers) {
  auto r = verify_bundle(bundle_, key_->public_key());
  EXPECT_TRUE(r.ok()) << joined(r);
  EXPECT_EQ(r.manifest.files.size(), members_.size());
  EXPECT_EQ(r.manifest.field("session"), "s1");
  EXPECT_EQ(r.manifest.field("key"), fingerprint(key_->public_key()));
  EXPECT_EQ(r.manifest.field("lab-sha256"), lab_hash(r.manifest.files));
}

TEST_F(Bundle, AFlippedByteInEveryKindOfMemberIsNamed) {
  for (const auto& m : members_) {
    auto r = verify_bundle(flip(m.name), key_->public_key());
    ASSERT_FALSE(r.ok()) << m.name;
    EXPECT_NE(joined(r).find(m.name + " was changed"), std::string::npos) << joined(r);
  }
  EXPECT_NE(joined(verify_bundle(flip("MANIFEST"), key_->public_key()))
                .find("MANIFEST's signature does not verify"),
            std::string::npos);
  EXPECT_NE(
      joined(verify_bundle(flip("MANIFEST.sig"), key_->public_key())).find("MANIFEST's signature"),
      std::string::npos);
  EXPECT_NE(
      joined(verify_bundle(flip("signing-key.pub"), key_->public_key())).find("signing-key.pub"),
      std::string::npos);
  std::string header = bundle_;
  header[20] ^= 1;  // the first member's name, inside its header
  EXPECT_NE(joined(verify_bundle(header, key_->public_key())).find("the archive is damaged"),
            std::string::npos);
}

TEST_F(Bundle, AnotherKeyIsRefusedAndAnAddedFileIsNamed) {
  auto other = SigningKey::generate();
  ASSERT_OK(other);
  auto r = verify_bundle(bundle_, other->public_key());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(joined(r).find("not the expected key " + fingerprint(other->public_key())),
            std::string::npos)
      << joined(r);
  // A bundle re-signed by another installation's key, checked against ours.
  auto forged = make_bundle(members_, {}, *other, 0);
  ASSERT_OK(forged);
  EXPECT_NE(joined(verify_bundle(*forged, key_->public_key()))
                .find("signed by key " + fingerprint(other->public_key())),
            std::string::npos);
  auto members = *read_ustar(bundle_);
  members.push_back({"extra.txt", "hello"});
  auto added = verify_bundle(*write_ustar(members, 0), key_->public_key());
  EXPECT_NE(joined(added).find("extra.txt is not in the manifest"), std::string::npos)
      << joined(added);
  EXPECT_FALSE(make_bundle({{"MANIFEST", "x"}}, {}, *key_, 0).ok());
}

}  // namespace
}  // namespace atelier::evidence
