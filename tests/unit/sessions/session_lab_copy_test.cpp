// Issue #19: a session keeps its lab as it was at creation (a copy in the store), so that a lab
// edited, broken or deleted afterwards changes only new sessions; older sessions without a copy
// read their lab_path, logged once; the copy is written with the session or not at all.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "controller/sessions/session_service.h"
#include "tests/support/test_support.h"

namespace atelier::sessions {
namespace {

namespace fs = std::filesystem;

class SessionLabCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    fs::path src = ATELIER_SOURCE_DIR;
    labs_ = dir_ / "labs";
    fs::create_directories(labs_);
    fs::copy(src / "labs" / "demo", labs_ / "demo", fs::copy_options::recursive);
    auto s = store::Store::open(dir_ / "state");
    ASSERT_TRUE(s.ok());
    store_ = std::make_unique<store::Store>(std::move(s).value());
    SessionService::Options o;
    o.labs_dir = labs_;
    o.load.recipes_root = src / "ansible-free-recipes" / "recipes";
    o.random = [n = std::uint64_t{0x1234}]() mutable { return n++; };
    o.log = [this](std::string_view, std::string_view msg, const std::string& fields) {
      logged_.push_back(std::string(msg) + " " + fields);
    };
    service_ = std::make_unique<SessionService>(*store_, o);
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
  }
  std::string create(const std::string& name) {
    CreateSessionRequest req;
    req.lab = "demo";
    req.name = name;
    req.seed = 7;
    req.candidates = {"c01"};
    auto created = service_->create(req, "t", nullptr);
    EXPECT_TRUE(created.ok()) << created.error().to_string();
    return name;
  }
  // Every file under the state folder, by path relative to it.
  std::set<std::string> state_files() const {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "state")) {
      out.insert(fs::relative(e.path(), dir_ / "state").string());
    }
    return out;
  }
  test_support::TempDir tmp_{"atelier-labcopy-test"};  // removed with the fixture
  fs::path dir_, labs_;
  std::vector<std::string> logged_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<SessionService> service_;
};

TEST_F(SessionLabCopyTest, EditingTheLabAfterCreationChangesNothingForTheSession) {
  create("exam");
  auto before = service_->candidate_lab("exam", "c01");
  ASSERT_TRUE(before.ok()) << before.error().to_string();
  ASSERT_FALSE(before->tasks.empty());
  ASSERT_FALSE(before->tasks[0].ticket.body.fr.empty());

  // The lab edited (a task title), then a ticket deleted, then lab.yaml broken.
  fs::path yaml = labs_ / "demo" / "lab.yaml";
  std::string text;
  {
    std::ifstream in(yaml);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto at = text.find("Le dossier partagé");
  ASSERT_NE(at, std::string::npos);
  std::ofstream(yaml) << text.substr(0, at) + "Titre changé" + text.substr(at + 19);
  fs::remove(labs_ / "demo" / "tickets" / "T1.fr.md");
  for (int round = 0; round < 2; ++round) {
    auto after = service_->candidate_lab("exam", "c01");
    ASSERT_TRUE(after.ok()) << after.error().to_string();
    ASSERT_EQ(after->tasks.size(), before->tasks.size());
    for (std::size_t t = 0; t < after->tasks.size(); ++t) {
      EXPECT_EQ(after->tasks[t].id, before->tasks[t].id);
      EXPECT_EQ(after->tasks[t].ticket.title.fr, before->tasks[t].ticket.title.fr);
      EXPECT_EQ(after->tasks[t].ticket.body.fr, before->tasks[t].ticket.body.fr);
      EXPECT_EQ(after->tasks[t].ticket.body.en, before->tasks[t].ticket.body.en);
    }
    std::ofstream(yaml) << "lab: [broken\n";
  }
  // A new session sees the lab as it is now.
  CreateSessionRequest req;
  req.lab = "demo";
  req.candidates = {"c01"};
  EXPECT_FALSE(service_->create(req, "t", nullptr).ok());
  fs::remove_all(labs_ / "demo");
  EXPECT_TRUE(service_->candidate_lab("exam", "c01").ok());
  EXPECT_TRUE(logged_.empty());
}

// The copy holds lab.yaml and the ticket texts it names, nothing else, and lives in the store:
// making and destroying a session leaves no file of its own in the state folder.
TEST_F(SessionLabCopyTest, TheCopyIsTheLabAndItsTicketsInTheStoreOnly) {
  auto files_before = state_files();
  create("exam");
  auto copy = store_->get_session_lab_files("exam");
  ASSERT_TRUE(copy.ok());
  std::set<std::string> keys;
  for (const auto& [path, content] : *copy) keys.insert(path);
  std::set<std::string> want{"lab.yaml"};
  for (const char* t : {"T1", "T2", "T3"}) {
    for (const char* lang : {"fr", "en"})
      want.insert(std::string("tickets/") + t + "." + lang + ".md");
  }
  EXPECT_EQ(keys, want);
  ASSERT_TRUE(service_->destroy("exam", "t").ok());
  EXPECT_EQ(state_files(), files_before);
  // A destroyed session's results still name its tasks: the copy stays with its row.
  EXPECT_TRUE(service_->candidate_lab("exam", "c01").ok());
  EXPECT_TRUE(store_->get_session_lab_files("nosuch")->empty());
}

// A session made before copies were kept reads its lab file, and says so once.
TEST_F(SessionLabCopyTest, OlderSessionsWithoutACopyReadTheirPathLoggedOnce) {
  store::SessionRecord old;
  old.id = "old";
  old.lab_path = (labs_ / "demo" / "lab.yaml").string();
  old.lab_id = "demo";
  old.seed = 7;
  ASSERT_TRUE(store_->create_session(old, {"c01"}, {0, {}, "t", "session.create", "", ""}).ok());
  ASSERT_TRUE(service_->candidate_lab("old", "c01").ok());
  ASSERT_TRUE(service_->candidate_lab("old", "c01").ok());
  ASSERT_EQ(logged_.size(), 1u);
  EXPECT_NE(logged_[0].find("session=old"), std::string::npos) << logged_[0];
  fs::remove(labs_ / "demo" / "tickets" / "T1.fr.md");
  EXPECT_FALSE(service_->candidate_lab("old", "c01").ok());
}

// The copy and the session are one transaction: a failure after the copy was written (here a
// candidate listed twice, refused by the store) leaves neither; a crash at that point is the
// same rollback for SQLite.
TEST_F(SessionLabCopyTest, AFailedCreateLeavesNoCopyBehind) {
  store::SessionRecord s;
  s.id = "half";
  s.lab_path = (labs_ / "demo" / "lab.yaml").string();
  s.lab_id = "demo";
  Status r = store_->create_session(s, {"c01", "c01"}, {0, {}, "t", "session.create", "", ""},
                                    {{"lab.yaml", "lab: demo\n"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(store_->get_session("half").error().code(), ErrorCode::kNotFound);
  auto copy = store_->get_session_lab_files("half");
  ASSERT_TRUE(copy.ok());
  EXPECT_TRUE(copy->empty());
}

}  // namespace
}  // namespace atelier::sessions
