// Unit tests of ConsoleHub with a fake console stream and a manual scheduler (no threads, no
// sleeps): fan-out, scrollback, one writer and take-over, recordings (0600, every byte), reopen
// after the stream ends, and close_lab letting viewers go.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <deque>
#include <filesystem>
#include <fstream>

#include "controller/console/console_hub.h"

namespace atelier::console {
namespace {

namespace fs = std::filesystem;
using provider::ConsoleCallbacks;
using provider::ConsoleStream;
using provider::ObjectRef;

// What the fake streams saw: one entry per open.
struct FakeGuest {
  struct Opened {
    ConsoleCallbacks callbacks;
    std::string written;
    bool closed = false;
  };
  std::vector<std::shared_ptr<Opened>> opens;
  std::optional<Error> refuse;  // next opens fail with this

  class Stream final : public ConsoleStream {
   public:
    explicit Stream(std::shared_ptr<Opened> o) : o_(std::move(o)) {}
    ~Stream() override { close(); }
    Status write(std::string_view bytes) override {
      if (o_->closed) return Error(ErrorCode::kFailedPrecondition, "closed");
      o_->written.append(bytes);
      return ok_status();
    }
    void close() override { o_->closed = true; }

   private:
    std::shared_ptr<Opened> o_;
  };

  ConsoleHub::Opener opener() {
    return [this](const ObjectRef&, ConsoleCallbacks cb) -> Result<std::unique_ptr<ConsoleStream>> {
      if (refuse) return *refuse;
      opens.push_back(std::make_shared<Opened>());
      opens.back()->callbacks = std::move(cb);
      return std::unique_ptr<ConsoleStream>(std::make_unique<Stream>(opens.back()));
    };
  }
  void output(std::string_view bytes) { opens.back()->callbacks.on_output(bytes); }
  void end() { opens.back()->callbacks.on_closed(Error(ErrorCode::kUnavailable, "guest stopped")); }
};

// Tasks are kept and run when the test says so.
struct ManualScheduler {
  std::deque<std::pair<std::chrono::milliseconds, std::function<void()>>> tasks;
  ConsoleHub::Scheduler get() {
    return [this](std::chrono::milliseconds d, std::function<void()> f) {
      tasks.emplace_back(d, std::move(f));
    };
  }
  void run_all() {
    auto now = std::move(tasks);
    tasks.clear();
    for (auto& [d, f] : now) f();
  }
};

struct Screen {
  std::string seen;
  std::string closed_why;
  std::vector<KeyboardState> keyboard;  // every notice, in order
  ViewerSink sink() {
    return {[this](std::string_view b) { seen.append(b); },
            [this](std::string_view why) { closed_why = std::string(why); },
            [this](const KeyboardState& k) { keyboard.push_back(k); }};
  }
};

class ConsoleHubTest : public ::testing::Test {
 protected:
  ConsoleHubTest() {
    dir_ = fs::temp_directory_path() /
           ("hub-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    HubOptions opts;
    opts.recordings_dir = dir_ / "recordings";
    opts.scrollback_bytes = 8;
    hub_ = std::make_unique<ConsoleHub>(opts, guest_.opener(), sched_.get());
  }
  ~ConsoleHubTest() override {
    hub_.reset();
    fs::remove_all(dir_);
  }

  fs::path dir_;
  Screen a, b, t, other;  // viewers' screens; they outlive the hub (its destructor tells them)
  FakeGuest guest_;
  ManualScheduler sched_;
  std::unique_ptr<ConsoleHub> hub_;
  ObjectRef srv_{"s1", "c01", "srv"};
};

TEST_F(ConsoleHubTest, OneStreamFansOutAndALateViewerGetsTheBoundedScrollback) {
  auto va = hub_->attach(srv_, ViewerRole::kCandidate, "c01", a.sink());
  ASSERT_TRUE(va.ok()) << va.error().to_string();
  guest_.output("0123456789abc");
  auto vb = hub_->attach(srv_, ViewerRole::kTrainer, "trainer", b.sink());
  ASSERT_TRUE(vb.ok());
  EXPECT_EQ(guest_.opens.size(), 1u) << "one stream per host, shared";
  EXPECT_EQ(b.seen, "56789abc") << "the last scrollback_bytes (8)";
  guest_.output("Z");
  EXPECT_EQ(a.seen, "0123456789abcZ");
  EXPECT_EQ(b.seen, "56789abcZ");
  hub_->detach(*va);
  guest_.output("!");
  EXPECT_EQ(a.seen, "0123456789abcZ") << "a detached viewer gets nothing more";
  EXPECT_EQ(b.seen, "56789abcZ!");
}

TEST_F(ConsoleHubTest, TheCandidateWritesATrainerTakesOverAndTheKeyboardComesBack) {
  auto cand = hub_->attach(srv_, ViewerRole::kCandidate, "c01", a.sink());
  auto trainer = hub_->attach(srv_, ViewerRole::kTrainer, "trainer", t.sink());
  ASSERT_TRUE(cand.ok() && trainer.ok());
  EXPECT_TRUE(hub_->is_writer(*cand));
  EXPECT_TRUE(hub_->write(*cand, "ls\n").ok());
  EXPECT_EQ(hub_->write(*trainer, "x").error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(hub_->take_over(*cand).error().code(), ErrorCode::kPermissionDenied);
  ASSERT_TRUE(hub_->take_over(*trainer).ok());
  EXPECT_EQ(hub_->write(*cand, "x").error().code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(hub_->write(*trainer, "fix\n").ok());
  EXPECT_EQ(guest_.opens[0]->written, "ls\nfix\n");
  hub_->detach(*trainer);
  EXPECT_TRUE(hub_->is_writer(*cand)) << "the candidate gets the keyboard back";
  EXPECT_EQ(hub_->write(12345, "x").error().code(), ErrorCode::kNotFound);
}

// What each viewer is told, so that the candidate's page can show a banner while a trainer types
// and the trainer's page whether their keys go to the guest.
TEST_F(ConsoleHubTest, EveryViewerIsToldWhoHoldsTheKeyboard) {
  const KeyboardState cand_holds_mine{true, ViewerRole::kCandidate, "c01"};
  const KeyboardState cand_holds{false, ViewerRole::kCandidate, "c01"};
  const KeyboardState trainer_holds_mine{true, ViewerRole::kTrainer, "marie"};
  const KeyboardState trainer_holds{false, ViewerRole::kTrainer, "marie"};
  const KeyboardState nobody{false, std::nullopt, ""};

  auto trainer = hub_->attach(srv_, ViewerRole::kTrainer, "marie", t.sink());
  ASSERT_TRUE(trainer.ok());
  EXPECT_EQ(t.keyboard, std::vector<KeyboardState>{nobody}) << "a trainer alone: nobody types";
  auto cand = hub_->attach(srv_, ViewerRole::kCandidate, "c01", a.sink());
  ASSERT_TRUE(cand.ok());
  EXPECT_EQ(a.keyboard.back(), cand_holds_mine);
  EXPECT_EQ(t.keyboard.back(), cand_holds);

  ASSERT_TRUE(hub_->take_over(*trainer).ok());
  EXPECT_EQ(a.keyboard.back(), trainer_holds) << "the candidate's banner: marie took over";
  EXPECT_EQ(t.keyboard.back(), trainer_holds_mine);
  const std::size_t told = a.keyboard.size();
  ASSERT_TRUE(hub_->take_over(*trainer).ok());
  EXPECT_EQ(a.keyboard.size(), told) << "no change, no notice";

  EXPECT_EQ(hub_->hand_back(*cand).error().code(), ErrorCode::kPermissionDenied);
  ASSERT_TRUE(hub_->hand_back(*trainer).ok());
  EXPECT_EQ(a.keyboard.back(), cand_holds_mine) << "the keyboard comes back to the candidate";
  EXPECT_EQ(t.keyboard.back(), cand_holds);
  EXPECT_TRUE(hub_->is_writer(*cand));
  EXPECT_EQ(hub_->hand_back(*trainer).error().code(), ErrorCode::kPermissionDenied)
      << "only the holder hands it back";

  ASSERT_TRUE(hub_->take_over(*trainer).ok());
  hub_->detach(*cand);
  EXPECT_EQ(t.keyboard.back(), trainer_holds_mine)
      << "a candidate leaving changes nothing for the holder";
  ASSERT_TRUE(hub_->hand_back(*trainer).ok());
  EXPECT_EQ(t.keyboard.back(), nobody) << "no candidate left to give it to";
  EXPECT_EQ(hub_->write(*trainer, "x").error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(ConsoleHubTest, EveryByteIsRecordedInAPrivateAsciicastFile) {
  auto va = hub_->attach(srv_, ViewerRole::kCandidate, "c01", a.sink());
  ASSERT_TRUE(va.ok());
  guest_.output("login: ");
  ASSERT_TRUE(hub_->write(*va, "root\r").ok());
  guest_.output("\x1b[1m#\xff");
  auto paths = hub_->recordings(srv_);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0], dir_ / "recordings" / "s1" / "c01" / "srv-1.cast");
  struct stat st {};
  ASSERT_EQ(::stat(paths[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "recordings" / "s1").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  hub_->close_lab("s1", "c01");
  std::ifstream in(paths[0]);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(boost::json::parse(lines[0]).as_object().at("version").as_int64(), 2);
  auto e1 = boost::json::parse(lines[1]).as_array();
  auto e2 = boost::json::parse(lines[2]).as_array();
  auto e3 = boost::json::parse(lines[3]).as_array();
  EXPECT_EQ(e1[1].as_string(), "o");
  EXPECT_EQ(e1[2].as_string(), "login: ");
  EXPECT_EQ(e2[1].as_string(), "i");
  EXPECT_EQ(e2[2].as_string(), "root\r");
  EXPECT_EQ(e3[2].as_string(), "\x1b[1m#\xEF\xBF\xBD");
  // A new console of the same host gets a new file; the earlier one is kept.
  ASSERT_TRUE(hub_->attach(srv_, ViewerRole::kCandidate, "c01", a.sink()).ok());
  paths = hub_->recordings(srv_);
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[1].filename(), "srv-2.cast");
}

TEST_F(ConsoleHubTest, AStreamThatEndsIsReopenedAndViewersKeepWatching) {
  auto va = hub_->attach(srv_, ViewerRole::kCandidate, "c01", a.sink());
  ASSERT_TRUE(va.ok());
  guest_.output("before ");
  guest_.end();  // the guest powers off for a reboot
  EXPECT_EQ(hub_->write(*va, "x").error().code(), ErrorCode::kUnavailable);
  // The guest is not back yet: the reopen fails and is tried again, later.
  guest_.refuse = Error(ErrorCode::kFailedPrecondition, "the domain is not running");
  sched_.run_all();  // closes the old stream, tries once
  ASSERT_EQ(sched_.tasks.size(), 1u);
  EXPECT_EQ(sched_.tasks[0].first, std::chrono::milliseconds(2000)) << "the delay doubles";
  EXPECT_TRUE(guest_.opens[0]->closed);
  guest_.refuse.reset();
  sched_.run_all();
  ASSERT_EQ(guest_.opens.size(), 2u);
  guest_.output("after");
  EXPECT_EQ(a.seen, "before after");
  EXPECT_TRUE(hub_->write(*va, "y").ok());
  EXPECT_EQ(guest_.opens[1]->written, "y");
  // Output from the old stream, were it to come late, is ignored.
  guest_.opens[0]->callbacks.on_output("stale");
  EXPECT_EQ(a.seen, "before after");
}

TEST_F(ConsoleHubTest, ClosingTheLabClosesItsStreamsAndLetsItsViewersGoOnly) {
  ObjectRef other_lab{"s1", "c02", "srv"};
  auto va = hub_->attach(srv_, ViewerRole::kCandidate, "c01", a.sink());
  auto vo = hub_->attach(other_lab, ViewerRole::kCandidate, "c02", other.sink());
  ASSERT_TRUE(va.ok() && vo.ok());
  hub_->close_lab("s1", "c01");
  EXPECT_TRUE(guest_.opens[0]->closed);
  EXPECT_FALSE(guest_.opens[1]->closed);
  EXPECT_EQ(a.closed_why, "the lab was closed");
  EXPECT_TRUE(other.closed_why.empty());
  EXPECT_EQ(hub_->write(*va, "x").error().code(), ErrorCode::kNotFound);
  guest_.opens[0]->callbacks.on_closed(ok_status());  // late: no reopen is scheduled
  EXPECT_TRUE(sched_.tasks.empty());
  hub_->close_lab("s1", "c01");  // idempotent
}

TEST_F(ConsoleHubTest, AConsoleThatCannotBeOpenedLeavesNoViewerAndNoRecording) {
  guest_.refuse = Error(ErrorCode::kNotFound, "domain is not defined");
  auto va = hub_->attach(srv_, ViewerRole::kCandidate, "c01", a.sink());
  ASSERT_FALSE(va.ok());
  EXPECT_EQ(va.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(hub_->recordings(srv_).empty());
  EXPECT_FALSE(fs::exists(dir_ / "recordings" / "s1" / "c01" / "srv-1.cast"));
}

}  // namespace
}  // namespace atelier::console
