// `atelier results bundle|verify` and `atelier key show` as processes, on a real store in a
// temporary state folder with the demo lab: a session of two candidates with stored results and
// a console recording. Every kind of bundle member gets one byte flipped in the archive file
// itself, and verify must fail naming it.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "controller/evidence/signing_key.h"
#include "controller/evidence/ustar.h"
#include "tests/support/api_harness.h"
#include "tests/support/test_support.h"

namespace atelier::api {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct CliRun {
  int exit = -1;
  std::string output;  // stdout and stderr
};

CliRun run(const std::string& args) {
  CliRun r;
  FILE* p = ::popen((std::string(ATELIER_CLI_PATH) + " " + args + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = ::pclose(p);
  r.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

void write(const fs::path& file, const std::string& data) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << data;
}

// The offset in `archive` of the first data byte of member `name` (walking the ustar headers).
std::size_t data_offset(const std::string& archive, const std::string& name) {
  std::size_t off = 0;
  while (off + 512 <= archive.size() && archive[off] != '\0') {
    const std::string member = archive.substr(off, 100).c_str();
    const std::size_t size = std::stoul(archive.substr(off + 124, 11), nullptr, 8);
    if (member == name) return off + 512;
    off += 512 + (size + 511) / 512 * 512;
  }
  ADD_FAILURE() << "no member " << name;
  return 0;
}

class BundleCli : public test_support::ApiHarness {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(make_dirs("atelier-bundle-cli"));
    ASSERT_NO_FATAL_FAILURE(open_store());
    api_ = std::make_unique<Api>(*store_, *sessions_);
    make_session("s1", {"c01", "c02"});
    for (const char* c : {"c01", "c02"}) {
      auto lab = store_->get_candidate_lab("s1", c);
      ASSERT_TRUE(lab.ok());
      lab->status = store::LabStatus::kReady;
      lab->handed_over_at = t0_;
      ASSERT_TRUE(store_->update_candidate_lab(*lab).ok());
    }
    result("c01", "run1", "T1", "fail", 5min);
    result("c01", "run2", "T1", "pass", 20min);
    result("c02", "run3", "T1", "fail", 20min);
    fs::create_directories(dir_ / "state" / "recordings" / "s1" / "c01");
    write(dir_ / "state" / "recordings" / "s1" / "c01" / "server-1.cast",
          "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"root@server:~# \"]\n");
    state_ = (dir_ / "state").string();
    recipes_ = (src_ / "ansible-free-recipes" / "recipes").string();
  }
  void result(const std::string& c, const std::string& run_id, const std::string& task,
              const std::string& status, std::chrono::minutes after) {
    const auto when = t0_ + after;
    store::ResultRecord r{run_id + "/" + task,
                          "s1",
                          c,
                          task,
                          0,
                          "server",
                          "",
                          status,
                          "attendu : 2770",
                          status == "pass" ? "vu : 2770" : "vu : 0700",
                          run_id,
                          when,
                          when + 1s,
                          when + 2s,
                          "atelierd"};
    auto added = store_->add_result(r);
    ASSERT_TRUE(added.ok()) << added.error().to_string();
  }
  CliRun bundle(const std::string& state, const std::string& out) {
    return run("results bundle s1 --state-dir " + state + " --out " + out + " --recipes " +
               recipes_);
  }
  store::TimePoint t0_ = store::Clock::now() - 2h;
  std::string state_, recipes_;
};

TEST_F(BundleCli, RoundTripVerifiesAndSaysWhatItCovers) {
  CliRun b = bundle(state_, (dir_ / "out").string());
  ASSERT_EQ(b.exit, 0) << b.output;
  EXPECT_NE(b.output.find("atelier-s1-c01.tar"), std::string::npos) << b.output;
  EXPECT_NE(b.output.find("atelier-s1-c02.tar"), std::string::npos) << b.output;
  const fs::path c01 = dir_ / "out" / "atelier-s1-c01.tar";
  CliRun v = run("results verify " + c01.string() + " --state-dir " + state_);
  EXPECT_EQ(v.exit, 0) << v.output;
  EXPECT_NE(v.output.find("OK " + c01.string()), std::string::npos) << v.output;
  EXPECT_NE(v.output.find("candidate c01"), std::string::npos) << v.output;
  EXPECT_NE(v.output.find("1 console recordings"), std::string::npos) << v.output;
  EXPECT_NE(v.output.find("2 stored check results, each signed"), std::string::npos) << v.output;
  // The members a jury reads, with the tickets' times and the evidence.
  auto members = evidence::read_ustar(::atelier::test_support::read_text(c01));
  ASSERT_TRUE(members.ok()) << members.error().to_string();
  std::map<std::string, std::string> by_name;
  for (const auto& m : *members) by_name[m.name] = m.data;
  for (const char* n :
       {"results.json", "runs.json", "tickets.json", "session.json", "lab/lab.yaml",
        "recordings/server-1.cast", "MANIFEST", "MANIFEST.sig", "signing-key.pub"}) {
    EXPECT_TRUE(by_name.count(n)) << n;
  }
  EXPECT_NE(by_name["runs.json"].find("vu : 0700"), std::string::npos);
  EXPECT_NE(by_name["tickets.json"].find("\"first_passed_at\":\""), std::string::npos)
      << by_name["tickets.json"];
  // With the key as `key show` prints it, on a machine without atelierd's state folder.
  CliRun k = run("key show --state-dir " + state_ + " --out " + (dir_ / "jury.pub").string());
  ASSERT_EQ(k.exit, 0) << k.output;
  auto key = evidence::SigningKey::load(dir_ / "state" / "signing.key");
  ASSERT_TRUE(key.ok());
  EXPECT_NE(k.output.find(evidence::to_base64(key->public_key())), std::string::npos) << k.output;
  EXPECT_NE(k.output.find(evidence::fingerprint(key->public_key())), std::string::npos) << k.output;
  for (const std::string& arg :
       {(dir_ / "jury.pub").string(), evidence::to_base64(key->public_key())}) {
    CliRun j = run("results verify " + c01.string() + " --key " + arg + " --state-dir " +
                   (dir_ / "none").string());
    EXPECT_EQ(j.exit, 0) << j.output;
  }
  // Without a key to check against: refused, not trusted on the bundle's word.
  CliRun nokey = run("results verify " + c01.string() + " --state-dir " + (dir_ / "none").string());
  EXPECT_EQ(nokey.exit, 2) << nokey.output;
}

TEST_F(BundleCli, AFlippedByteInEachKindOfMemberFailsNamingIt) {
  ASSERT_EQ(bundle(state_, (dir_ / "out").string()).exit, 0);
  const std::string archive =
      ::atelier::test_support::read_text(dir_ / "out" / "atelier-s1-c01.tar");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"results.json", "results.json was changed"},
      {"runs.json", "runs.json was changed"},
      {"tickets.json", "tickets.json was changed"},
      {"session.json", "session.json was changed"},
      {"lab/lab.yaml", "lab/lab.yaml was changed"},
      {"recordings/server-1.cast", "recordings/server-1.cast was changed"},
      {"MANIFEST", "MANIFEST's signature does not verify"},
      {"MANIFEST.sig", "MANIFEST's signature does not verify"},
      {"signing-key.pub", "signing-key.pub"},
  };
  for (const auto& [member, expected] : cases) {
    std::string flipped = archive;
    flipped[data_offset(archive, member) + 5] ^= 0x04;
    const fs::path file = dir_ / "flipped.tar";
    write(file, flipped);
    CliRun v = run("results verify " + file.string() + " --state-dir " + state_);
    EXPECT_EQ(v.exit, 1) << member << "\n" << v.output;
    EXPECT_NE(v.output.find("FAILED"), std::string::npos) << v.output;
    EXPECT_NE(v.output.find(expected), std::string::npos) << member << "\n" << v.output;
  }
  // A byte of a header (the first member's name): the archive itself is reported damaged.
  std::string header = archive;
  header[3] ^= 0x04;
  write(dir_ / "header.tar", header);
  CliRun h = run("results verify " + (dir_ / "header.tar").string() + " --state-dir " + state_);
  EXPECT_EQ(h.exit, 1);
  EXPECT_NE(h.output.find("the archive is damaged"), std::string::npos) << h.output;
}

TEST_F(BundleCli, ABundleOfAnotherInstallationIsRefused) {
  // Another atelierd with the same data (a consistent copy of the database) but its own key.
  fs::create_directories(dir_ / "other");
  ASSERT_TRUE(store_->database()
                  .exec("VACUUM INTO '" + (dir_ / "other" / "atelier.db").string() + "'")
                  .ok());
  CliRun b = bundle((dir_ / "other").string(), (dir_ / "other-out").string());
  ASSERT_EQ(b.exit, 0) << b.output;
  CliRun v = run("results verify " + (dir_ / "other-out" / "atelier-s1-c01.tar").string() +
                 " --state-dir " + state_);
  EXPECT_EQ(v.exit, 1) << v.output;
  EXPECT_NE(v.output.find("not the expected key"), std::string::npos) << v.output;
}

TEST_F(BundleCli, AStoredResultChangedAfterItWasSignedIsNamed) {
  // Someone with write access to the database, but not the key, turns c01's failure into a pass.
  ASSERT_TRUE(store_->database()
                  .exec("UPDATE results SET status = 'pass' WHERE result_id = 'run1/T1'")
                  .ok());
  ASSERT_EQ(bundle(state_, (dir_ / "out").string()).exit, 0);
  CliRun v = run("results verify " + (dir_ / "out" / "atelier-s1-c01.tar").string() +
                 " --state-dir " + state_);
  EXPECT_EQ(v.exit, 1) << v.output;
  EXPECT_NE(v.output.find("result run1/T1 (task T1, run run1): its signature from when it was "
                          "stored does not verify"),
            std::string::npos)
      << v.output;
  // c02's results were not touched.
  EXPECT_EQ(run("results verify " + (dir_ / "out" / "atelier-s1-c02.tar").string() +
                " --state-dir " + state_)
                .exit,
            0);
}

TEST_F(BundleCli, AnExportFetchedWithOutIsSignedAndVerified) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  const std::string token = this->token(store::Role::kEvaluator, {}, {}, "jury");
  const fs::path csv = dir_ / "s1.csv";
  CliRun e = run("results s1 --format csv --out " + csv.string() + " --server " + url_ +
                 " --token " + token + " --state-dir " + state_);
  ASSERT_EQ(e.exit, 0) << e.output;
  ASSERT_TRUE(fs::exists(csv.string() + ".sig"));
  CliRun ok = run("results verify " + csv.string() + " --state-dir " + state_);
  EXPECT_EQ(ok.exit, 0) << ok.output;
  std::string text = ::atelier::test_support::read_text(csv);
  text[text.size() / 2] ^= 0x04;
  write(csv, text);
  CliRun bad = run("results verify " + csv.string() + " --state-dir " + state_);
  EXPECT_EQ(bad.exit, 1) << bad.output;
  EXPECT_NE(bad.output.find("s1.csv was changed"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace atelier::api
