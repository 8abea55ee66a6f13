// The reconciler's bounded job runner: never more jobs at once than workers, the rest queued in
// order, a throwing job reported and survived, stop() dropping queued jobs and honouring its
// grace. Synchronised with latches and futures, never with sleeps.
#include "controller/reconciler/job_runner.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <atomic>
#include <future>
#include <latch>
#include <mutex>
#include <vector>

namespace atelier::reconciler {
namespace {

// A gate jobs wait on until the test opens it; shared so that a detached worker outlives none.
struct Gate {
  std::promise<void> promise;
  std::shared_future<void> future = promise.get_future().share();
  void open() { promise.set_value(); }
  void wait() const { future.wait(); }
};

TEST(JobRunner, RunsAtMostItsWorkersAtOnceAndQueuesTheRest) {
  auto gate = std::make_shared<Gate>();
  std::atomic<int> now{0}, peak{0}, done{0};
  std::latch two_started(2);
  std::mutex order_mutex;
  std::vector<int> order;
  JobRunner runner(2);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(runner.submit("job " + std::to_string(i), [&, i, gate] {
      int n = ++now;
      for (int p = peak.load(); n > p && !peak.compare_exchange_weak(p, n);) {
      }
      {
        std::lock_guard l(order_mutex);
        order.push_back(i);
      }
      if (i < 2) two_started.count_down();
      gate->wait();
      --now;
      ++done;
    }));
  }
  two_started.wait();
  EXPECT_EQ(runner.running(), 2u);
  EXPECT_EQ(runner.queued(), 3u);
  EXPECT_EQ(runner.running_names().size(), 2u);
  gate->open();
  runner.wait_idle();
  EXPECT_EQ(done.load(), 5);
  EXPECT_EQ(peak.load(), 2);
  EXPECT_EQ(runner.running(), 0u);
  EXPECT_EQ(runner.queued(), 0u);
  // The first two ran first; the three queued ones after them, each once. (Their order among
  // themselves is not observable here: two workers take them in order but may record in any
  // order. OneWorkerRunsJobsInTheOrderSubmitted checks the queue's order.)
  ASSERT_EQ(order.size(), 5u);
  std::vector<int> rest(order.begin() + 2, order.end());
  std::sort(rest.begin(), rest.end());
  EXPECT_EQ(rest, (std::vector<int>{2, 3, 4}));
  EXPECT_TRUE(runner.stop(std::chrono::seconds(10)));
}

TEST(JobRunner, OneWorkerRunsJobsInTheOrderSubmitted) {
  auto gate = std::make_shared<Gate>();
  std::mutex order_mutex;
  std::vector<int> order;
  JobRunner runner(1);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(runner.submit("job " + std::to_string(i), [&, i, gate] {
      if (i == 0) gate->wait();  // every other job is queued behind it meanwhile
      std::lock_guard l(order_mutex);
      order.push_back(i);
    }));
  }
  gate->open();
  runner.wait_idle();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(runner.stop(std::chrono::seconds(10)));
}

TEST(JobRunner, AThrowingJobIsReportedAndTheNextStillRuns) {
  std::mutex m;
  std::vector<std::string> errors;
  std::atomic<int> done_calls{0};
  JobRunner runner(
      1, [&] { ++done_calls; },
      [&](const std::string& job, const std::string& what) {
        std::lock_guard l(m);
        errors.push_back(job + ": " + what);
      });
  std::atomic<bool> second{false};
  ASSERT_TRUE(runner.submit("boom", [] { throw std::runtime_error("bad"); }));
  ASSERT_TRUE(runner.submit("after", [&] { second = true; }));
  runner.wait_idle();
  EXPECT_TRUE(second.load());
  EXPECT_EQ(errors, (std::vector<std::string>{"boom: bad"}));
  EXPECT_EQ(done_calls.load(), 2);
}

TEST(JobRunner, StopDropsQueuedJobsAndReportsOneStillRunningPastItsGrace) {
  auto gate = std::make_shared<Gate>();
  auto started = std::make_shared<std::latch>(1);
  auto finished = std::make_shared<std::promise<void>>();
  auto queued_ran = std::make_shared<std::atomic<bool>>(false);
  auto runner = std::make_unique<JobRunner>(1);
  ASSERT_TRUE(runner->submit("long", [gate, started, finished] {
    started->count_down();
    gate->wait();
    finished->set_value();
  }));
  ASSERT_TRUE(runner->submit("queued", [queued_ran] { *queued_ran = true; }));
  started->wait();
  EXPECT_FALSE(runner->stop(std::chrono::milliseconds(0)));  // "long" still runs: detached
  EXPECT_FALSE(runner->submit("late", [queued_ran] { *queued_ran = true; }));
  EXPECT_EQ(runner->queued(), 0u);
  runner.reset();  // the detached worker holds only shared state
  gate->open();
  finished->get_future().wait();
  EXPECT_FALSE(queued_ran->load());
}

TEST(JobRunner, StopWaitsForRunningJobsWithinItsGrace) {
  auto gate = std::make_shared<Gate>();
  std::latch started(1);
  std::atomic<bool> completed{false};
  JobRunner runner(2);
  ASSERT_TRUE(runner.submit("long", [&, gate] {
    started.count_down();
    gate->wait();
    completed = true;
  }));
  started.wait();
  auto stopped =
      std::async(std::launch::async, [&] { return runner.stop(std::chrono::seconds(60)); });
  gate->open();
  EXPECT_TRUE(stopped.get());
  EXPECT_TRUE(completed.load());
  EXPECT_EQ(runner.running(), 0u);
  EXPECT_EQ(runner.workers(), 0u);
}

}  // namespace
}  // namespace atelier::reconciler
