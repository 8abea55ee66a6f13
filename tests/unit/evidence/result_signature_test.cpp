// The store signs every result it stores (Store::open with a state folder) over
// canonical_result; a changed field breaks the signature; an older schema upgrades to unsigned
// rows.
#include "controller/store/result_signature.h"

#include <gtest/gtest.h>

#include "controller/store/store.h"
#include "tests/support/test_support.h"

namespace atelier::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_support::TempDir;

const TimePoint kT0 = TimePoint(std::chrono::milliseconds(1'700'000'000'123));

ResultRecord result(std::string id) {
  // Sub-millisecond times: the signature must cover what the store keeps (milliseconds).
  return {std::move(id),
          "s1",
          "c01",
          "T1",
          0,
          "server",
          "le partage existe",
          "pass",
          "attendu : 2770",
          "vu : 2770",
          "run1",
          kT0 + 1500us,
          kT0 + 2s,
          kT0 + 3s,
          "atelierd"};
}

void make_session(Store& s) {
  SessionRecord rec;
  rec.id = "s1";
  rec.lab_path = "/labs/demo/lab.yaml";
  rec.lab_id = "demo";
  rec.created_at = kT0;
  rec.created_by = "cli";
  ASSERT_OK(s.create_session(rec, {"c01"}, {0, kT0, "cli", "session.create", "session s1", ""}));
}

TEST(ResultSignature, CanonicalFormLengthPrefixesEveryField) {
  ResultRecord a = result("r1");
  const std::string c = canonical_result(a);
  EXPECT_EQ(c.rfind("atelier-result/1\nresult_id 2:r1\nsession 2:s1\n", 0), 0u) << c;
  EXPECT_NE(c.find("\nstarted_at 13:1700000000124\n"), std::string::npos) << c;
  // Moving text between two fields changes the bytes.
  ResultRecord b = a;
  b.expected = "attendu : 2770\nobserved 9:vu : 2770";
  b.observed = "";
  EXPECT_NE(canonical_result(a), canonical_result(b));
}

TEST(ResultSignature, EveryStoredResultIsSignedWithTheStateFoldersKey) {
  TempDir dir("atelier-result-sig");
  auto store = Store::open(dir / "state");
  ASSERT_OK(store);
  ASSERT_NO_FATAL_FAILURE(make_session(*store));
  ASSERT_OK(store->add_result(result("r1")));
  auto key = evidence::SigningKey::load(dir / "state" / "signing.key");
  ASSERT_OK(key);
  auto listed = store->list_results("s1");
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  const ResultRecord& r = listed->front();
  EXPECT_EQ(r.signing_key, evidence::fingerprint(key->public_key()));
  EXPECT_TRUE(verify_result(key->public_key(), r));
  for (auto change :
       {+[](ResultRecord& x) { x.status = "fail"; }, +[](ResultRecord& x) { x.observed += " "; },
        +[](ResultRecord& x) { x.finished_at += 1ms; }, +[](ResultRecord& x) { x.run_by = ""; }}) {
    ResultRecord changed = r;
    change(changed);
    EXPECT_FALSE(verify_result(key->public_key(), changed));
  }
  auto other = evidence::SigningKey::generate();
  ASSERT_OK(other);
  EXPECT_FALSE(verify_result(other->public_key(), r));
}

TEST(ResultSignature, AStoreWithoutAKeyStoresUnsignedAndOldRowsStayUnsigned) {
  TempDir dir("atelier-result-sig");
  const fs::path file = Store::database_path(dir / "state");
  fs::create_directories(file.parent_path());
  {
    auto old = Store::open_file_at_version(file, 6);
    ASSERT_OK(old);
    // The session as the version-6 code wrote it (today's create_session writes later columns).
    ASSERT_OK(
        old->database().exec("INSERT INTO sessions (id, lab_path, lab_id, seed, created_at, "
                             "desired, status, feedback, created_by) "
                             "VALUES ('s1', '/labs/demo/lab.yaml', 'demo', 0, 1700000000000, "
                             "'active', 'pending', 0, 'cli');"
                             "INSERT INTO candidate_labs (session, candidate, status, updated_at) "
                             "VALUES ('s1', 'c01', 'pending', "
                             "1700000000000);"));
    ASSERT_OK(
        old->database().exec("INSERT INTO results (result_id, session, candidate, task, "
                             "check_index, host, description, status, "
                             "expected, observed, run_id, started_at, finished_at, received_at) "
                             "VALUES ('r-old', 's1', 'c01', "
                             "'T1', 0, 'server', 'd', 'fail', 'e', 'o', 'run0', 1700000001000, "
                             "1700000002000, 1700000002000);"));
  }
  auto upgraded = Store::open_file(file);
  ASSERT_OK(upgraded);
  EXPECT_EQ(upgraded->signing_key(), nullptr);
  ASSERT_OK(upgraded->add_result(result("r-unsigned")));
  auto listed = upgraded->list_results("s1");
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 2u);
  for (const auto& r : *listed) {
    EXPECT_EQ(r.signature, "") << r.result_id;
    EXPECT_EQ(r.signing_key, "") << r.result_id;
  }
}

// Tamper evidence (schema 11) is stored, read back and signed; a clean result's bytes are those of
// the format as first published (no integrity line), so every earlier signature still holds.
TEST(ResultSignature, TamperEvidenceIsStoredAndSigned) {
  ResultRecord clean = result("r1");
  EXPECT_EQ(canonical_result(clean).find("integrity"), std::string::npos);
  ResultRecord flagged = clean;
  flagged.integrity = "decoy user k3x9q0ma exists: expected fail, agent answered pass";
  EXPECT_NE(canonical_result(flagged).find("\nintegrity 62:decoy user"), std::string::npos)
      << canonical_result(flagged);

  TempDir dir("atelier-result-sig");
  auto store = Store::open(dir / "state");
  ASSERT_OK(store);
  ASSERT_NO_FATAL_FAILURE(make_session(*store));
  flagged.result_id = "r2";
  ASSERT_OK(store->add_result(clean));
  ASSERT_OK(store->add_result(flagged));
  auto key = evidence::SigningKey::load(dir / "state" / "signing.key");
  ASSERT_OK(key);
  auto listed = store->list_results("s1");
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].integrity, "");
  EXPECT_EQ((*listed)[1].integrity, flagged.integrity);
  EXPECT_TRUE(verify_result(key->public_key(), (*listed)[1]));
  // Stripping the evidence from the store breaks the signature.
  ResultRecord stripped = (*listed)[1];
  stripped.integrity.clear();
  EXPECT_FALSE(verify_result(key->public_key(), stripped));
}

TEST(ResultSignature, ResultsBeforeSchemaElevenUpgradeClean) {
  TempDir dir("atelier-result-sig");
  const fs::path file = Store::database_path(dir / "state");
  fs::create_directories(file.parent_path());
  {
    auto old = Store::open_file_at_version(file, 10);
    ASSERT_OK(old);
    ASSERT_NO_FATAL_FAILURE(make_session(*old));
    ASSERT_OK(
        old->database().exec("INSERT INTO results (result_id, session, candidate, task, "
                             "check_index, host, description, status, "
                             "expected, observed, run_id, started_at, finished_at, received_at) "
                             "VALUES ('r-old', 's1', 'c01', "
                             "'T1', 0, 'server', 'd', 'pass', 'e', 'o', 'run0', 1700000001000, "
                             "1700000002000, 1700000002000);"));
  }
  auto upgraded = Store::open_file(file);
  ASSERT_OK(upgraded);
  EXPECT_GE(Store::latest_schema_version(), 11);
  auto listed = upgraded->list_results("s1");
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().integrity, "");
}

}  // namespace
}  // namespace atelier::store
