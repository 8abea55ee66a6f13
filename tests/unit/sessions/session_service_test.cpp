// SessionService on a temporary store and a temporary labs folder holding a copy of the demo
// lab: id rules, lab paths (ids, folders, lab.yaml, escapes), validation, what gets recorded.
#include "controller/sessions/session_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

namespace atelier::sessions {
namespace {

namespace fs = std::filesystem;

TEST(ValidateId, Table) {
  struct Case {
    const char* id;
    bool ok;
  };
  for (const Case& c : std::initializer_list<Case>{{"s1", true},
                                                   {"a", true},
                                                   {"0abc_def", true},
                                                   {"abcdefghijklmnopqrstuvwx", true},    // 24
                                                   {"abcdefghijklmnopqrstuvwxy", false},  // 25
                                                   {"", false},
                                                   {"_a", false},
                                                   {"a-b", false},
                                                   {"Alice", false},
                                                   {"a b", false},
                                                   {"a/b", false},
                                                   {"é", false}}) {
    Status s = validate_id("candidate", c.id);
    EXPECT_EQ(s.ok(), c.ok) << c.id;
    if (!s.ok()) {
      EXPECT_NE(s.error().message().find("candidate \""), std::string::npos);
    }
  }
}

class SessionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("atelier-sessions-test-" + std::to_string(rd()));
    fs::path src = ATELIER_SOURCE_DIR;
    labs_ = dir_ / "labs";
    fs::create_directories(labs_);
    fs::copy(src / "labs" / "demo", labs_ / "demo", fs::copy_options::recursive);
    fs::create_directories(dir_ / "outside" / "evil");
    fs::copy(src / "labs" / "demo", dir_ / "outside" / "evil", fs::copy_options::recursive);
    fs::create_directory_symlink(dir_ / "outside" / "evil", labs_ / "link");
    auto s = store::Store::open(dir_ / "state");
    ASSERT_TRUE(s.ok());
    store_ = std::make_unique<store::Store>(std::move(s).value());
    SessionService::Options o;
    o.labs_dir = labs_;
    o.load.recipes_root = src / "ansible-free-recipes" / "recipes";
    o.clock = [] { return store::TimePoint(std::chrono::seconds(1'800'000'000)); };
    o.random = [n = std::uint64_t{0x1234}]() mutable { return n++; };
    service_ = std::make_unique<SessionService>(*store_, o);
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  fs::path dir_, labs_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<SessionService> service_;
};

TEST_F(SessionServiceTest, LabPathsResolveInsideTheLabsDirOnly) {
  fs::path want = fs::weakly_canonical(labs_ / "demo" / "lab.yaml");
  EXPECT_EQ(*service_->resolve_lab_path("demo"), want);
  EXPECT_EQ(*service_->resolve_lab_path("demo/lab.yaml"), want);
  EXPECT_EQ(*service_->resolve_lab_path((labs_ / "demo").string()), want);
  EXPECT_EQ(*service_->resolve_lab_path((labs_ / "demo" / ".." / "demo").string()), want);
  EXPECT_EQ(service_->resolve_lab_path("nosuch").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->resolve_lab_path("").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->resolve_lab_path("../outside/evil").error().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->resolve_lab_path((dir_ / "outside" / "evil").string()).error().code(),
            ErrorCode::kPermissionDenied);
  // A symlink inside the labs dir that points outside is outside.
  EXPECT_EQ(service_->resolve_lab_path("link").error().code(), ErrorCode::kPermissionDenied);
}

// Issue #19: a drawn seed keeps all 64 bits of the generator (it used to be cut to 53 bits).
TEST_F(SessionServiceTest, DrawnSeedsUseAllSixtyFourBits) {
  SessionService::Options o;
  o.labs_dir = labs_;
  o.load.recipes_root = fs::path(ATELIER_SOURCE_DIR) / "ansible-free-recipes" / "recipes";
  o.random = [] { return std::uint64_t{0xfedcba9876543210ull}; };
  SessionService service(*store_, o);
  CreateSessionRequest req;
  req.lab = "demo";
  req.candidates = {"c01"};
  auto created = service.create(req, "tok123", nullptr);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  EXPECT_EQ(created->seed, 0xfedcba9876543210ull);
  EXPECT_EQ(store_->get_session(created->id)->seed, 0xfedcba9876543210ull);
}

TEST_F(SessionServiceTest, CreateRecordsDesiredStateWithDrawnIdAndSeed) {
  CreateSessionRequest req;
  req.lab = "demo";
  req.candidates = {"c01", "c02"};
  auto created = service_->create(req, "tok123", nullptr);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  EXPECT_EQ(created->id.size(), 9u);
  EXPECT_EQ(created->id[0], 's');
  auto stored = store_->get_session(created->id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->desired, store::DesiredState::kActive);
  EXPECT_EQ(stored->lab_id, "demo");
  EXPECT_EQ(stored->created_by, "tok123");
  EXPECT_EQ(stored->created_at, store::TimePoint(std::chrono::seconds(1'800'000'000)));
  EXPECT_EQ(store_->list_candidate_labs(created->id)->size(), 2u);
  auto audit = store_->list_audit();
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->front().actor, "tok123");
  EXPECT_EQ(audit->front().action, "session.create");

  ASSERT_TRUE(service_->destroy(created->id, "tok123").ok());
  EXPECT_EQ(store_->get_session(created->id)->desired, store::DesiredState::kDestroyed);
  EXPECT_EQ(service_->destroy("nope", "x").error().code(), ErrorCode::kNotFound);
}

// The session's own check interval is recorded (0: off) and said in the audit entry; one out
// of 0..24h is refused before anything is recorded.
TEST_F(SessionServiceTest, CreateRecordsTheSessionsCheckInterval) {
  CreateSessionRequest req;
  req.lab = "demo";
  req.candidates = {"c01"};
  req.name = "unset";
  ASSERT_TRUE(service_->create(req, "t", nullptr).ok());
  EXPECT_EQ(store_->get_session("unset")->check_interval, std::nullopt);
  req.name = "every20";
  req.check_interval = std::chrono::seconds(20);
  ASSERT_TRUE(service_->create(req, "t", nullptr).ok());
  EXPECT_EQ(store_->get_session("every20")->check_interval, std::chrono::seconds(20));
  EXPECT_NE(store_->list_audit()->back().detail.find("checks every 20s"), std::string::npos)
      << store_->list_audit()->back().detail;
  req.name = "quiet";
  req.check_interval = std::chrono::seconds(0);
  ASSERT_TRUE(service_->create(req, "t", nullptr).ok());
  EXPECT_EQ(store_->get_session("quiet")->check_interval, std::chrono::seconds(0));
  EXPECT_NE(store_->list_audit()->back().detail.find("no periodic checks"), std::string::npos);
  for (auto bad : {std::chrono::seconds(-1), std::chrono::seconds(86401)}) {
    req.name = "bad";
    req.check_interval = bad;
    auto r = service_->create(req, "t", nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(store_->get_session("bad").error().code(), ErrorCode::kNotFound);
  }
}

TEST_F(SessionServiceTest, CandidateLabIsTheResolvedVariant) {
  CreateSessionRequest req;
  req.lab = "demo";
  req.name = "exam";
  req.seed = 99;
  req.candidates = {"c01", "c02"};
  ASSERT_TRUE(service_->create(req, "t", nullptr).ok());
  auto a = service_->candidate_lab("exam", "c01");
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  ASSERT_TRUE(a->variant.has_value());
  EXPECT_EQ(a->variant->candidate, "c01");
  EXPECT_EQ(a->variant->seed, 99u);
  EXPECT_EQ(a->tasks[0].ticket.title.en.find("{{"), std::string::npos);
  EXPECT_EQ(service_->candidate_lab("exam", "c99").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->candidate_lab("nope", "c01").error().code(), ErrorCode::kNotFound);
}

// Display names are kept with their candidate labs (the store's migration 14); one for a
// candidate not listed, too long or on several lines is refused before anything is recorded.
TEST_F(SessionServiceTest, DisplayNamesAreKeptWithTheirCandidates) {
  CreateSessionRequest req;
  req.lab = "demo";
  req.name = "noms";
  req.candidates = {"c01", "c02"};
  req.display_names = {{"c01", "Chloé <Petit>"}};
  auto created = service_->create(req, "t", nullptr);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  auto labs = store_->list_candidate_labs("noms");
  ASSERT_TRUE(labs.ok());
  ASSERT_EQ(labs->size(), 2u);
  EXPECT_EQ((*labs)[0].display_name, "Chloé <Petit>");
  EXPECT_EQ((*labs)[1].display_name, "");
  EXPECT_EQ(store_->get_candidate_lab("noms", "c01")->display_name, "Chloé <Petit>");
  req.name = "refus";
  for (const auto& bad : std::vector<std::map<std::string, std::string>>{
           {{"c09", "Personne"}},
           {{"c01", std::string(kMaxDisplayNameBytes + 1, 'x')}},
           {{"c01", "deux\nlignes"}}}) {
    req.display_names = bad;
    auto r = service_->create(req, "t", nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find("display name"), std::string::npos) << r.error().message();
  }
  EXPECT_EQ(store_->list_sessions()->size(), 1u);
}

TEST_F(SessionServiceTest, InvalidRequestsRecordNothing) {
  std::ofstream(labs_ / "bad.yaml") << "lab: bad\nnetworks: {lan: {cidr: 10.0.0.1/24}}\n";
  std::vector<lab::Diagnostic> diags;
  CreateSessionRequest req;
  req.lab = "bad.yaml";
  req.candidates = {"c01"};
  auto r = service_->create(req, "t", &diags);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(diags.empty());
  req.lab = "demo";
  req.candidates = {};
  EXPECT_EQ(service_->create(req, "t", nullptr).error().code(), ErrorCode::kInvalidArgument);
  req.candidates = {"ok", "Not_ok"};
  EXPECT_EQ(service_->create(req, "t", nullptr).error().code(), ErrorCode::kInvalidArgument);
  req.candidates = std::vector<std::string>(kMaxCandidates + 1, "c");
  EXPECT_EQ(service_->create(req, "t", nullptr).error().code(), ErrorCode::kInvalidArgument);
  req.candidates = {"c01"};
  req.name = "has-dash";
  EXPECT_EQ(service_->create(req, "t", nullptr).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store_->list_sessions()->empty());
  EXPECT_TRUE(store_->list_audit()->empty());
}

}  // namespace
}  // namespace atelier::sessions
