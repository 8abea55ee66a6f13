// JobRunner: a fixed number of worker threads taking jobs from one queue, so that the
// reconciler's provisioning, teardown and action jobs share a known number of threads.
// Stopping refuses new jobs, drops queued ones and waits for running ones up to a deadline.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace atelier::reconciler {

class JobRunner {
 public:
  // Called by a worker after each job (also after one that threw): the reconciler wakes its loop.
  using OnDone = std::function<void()>;
  // Reports a job that threw (its name, the exception's message); the job counts as finished.
  using OnError = std::function<void(const std::string& job, const std::string& what)>;

  // workers >= 1 threads start at once and run until stop().
  explicit JobRunner(unsigned workers, OnDone on_done = {}, OnError on_error = {});
  // stop(0).
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Queues `job`; it runs when a worker is free, in the order submitted. false (the job is not
  // queued and never runs) once stop() has begun.
  bool submit(std::string name, std::function<void()> job);

  // Refuses new jobs, drops the queued ones, waits up to `grace` for the running ones. true when
  // every worker has finished (they are joined). false: the workers still running are detached
  // (the caller exits the process next; every job is resumable) and their names were logged by
  // the caller through running_names() if it wanted them.
  bool stop(std::chrono::milliseconds grace);

  // Blocks until no job is queued or running (tests, and callers that must see every effect of
  // the jobs they submitted). Returns at once after stop().
  void wait_idle();

  std::size_t running() const;
  std::size_t queued() const;
  std::size_t workers() const { return threads_.size(); }
  std::vector<std::string> running_names() const;

 private:
  struct Job {
    std::string name;
    std::function<void()> fn;
  };
  // Shared with the workers so that a detached worker never touches a destroyed runner.
  struct State {
    mutable std::mutex mutex;
    std::condition_variable wake;  // a job queued, or stopping
    std::condition_variable idle;  // a job finished
    std::deque<Job> queue;
    std::vector<std::string> running;  // names of the jobs running now
    std::size_t live_workers = 0;
    bool stopping = false;
    OnDone on_done;
    OnError on_error;
  };
  static void work(const std::shared_ptr<State>& state);

  std::shared_ptr<State> state_;
  std::vector<std::thread> threads_;
};

}  // namespace atelier::reconciler
