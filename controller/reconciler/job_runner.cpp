// The reconciler's bounded job runner (see job_runner.h).
#include "controller/reconciler/job_runner.h"

#include <algorithm>
#include <exception>

namespace atelier::reconciler {

JobRunner::JobRunner(unsigned workers, OnDone on_done, OnError on_error)
    : state_(std::make_shared<State>()) {
  state_->on_done = std::move(on_done);
  state_->on_error = std::move(on_error);
  workers = std::max(1u, workers);
  state_->live_workers = workers;
  threads_.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) threads_.emplace_back([s = state_] { work(s); });
}

JobRunner::~JobRunner() {
  stop(std::chrono::milliseconds(0));
}

bool JobRunner::submit(std::string name, std::function<void()> job) {
  std::lock_guard lock(state_->mutex);
  if (state_->stopping) return false;
  state_->queue.push_back(Job{std::move(name), std::move(job)});
  state_->wake.notify_one();
  return true;
}

void JobRunner::work(const std::shared_ptr<State>& state) {
  std::unique_lock lock(state->mutex);
  for (;;) {
    state->wake.wait(lock, [&] { return state->stopping || !state->queue.empty(); });
    if (state->stopping) break;  // queued jobs are dropped at stop
    Job job = std::move(state->queue.front());
    state->queue.pop_front();
    state->running.push_back(job.name);
    lock.unlock();
    try {
      job.fn();
    } catch (const std::exception& e) {
      if (state->on_error) state->on_error(job.name, e.what());
    } catch (...) {
      if (state->on_error) state->on_error(job.name, "unknown exception");
    }
    if (state->on_done) state->on_done();
    lock.lock();
    auto it = std::find(state->running.begin(), state->running.end(), job.name);
    if (it != state->running.end()) state->running.erase(it);
    state->idle.notify_all();
  }
  --state->live_workers;
  state->idle.notify_all();
}

bool JobRunner::stop(std::chrono::milliseconds grace) {
  bool all = false;
  {
    std::unique_lock lock(state_->mutex);
    state_->stopping = true;
    state_->queue.clear();
    state_->wake.notify_all();
    all = state_->idle.wait_for(lock, grace, [&] { return state_->live_workers == 0; });
  }
  for (auto& t : threads_) {
    if (!t.joinable()) continue;
    if (all) {
      t.join();
    } else {
      t.detach();  // holds only the shared state; the job's own captures are the caller's
    }
  }
  threads_.clear();
  return all;
}

void JobRunner::wait_idle() {
  std::unique_lock lock(state_->mutex);
  state_->idle.wait(
      lock, [&] { return state_->stopping || (state_->queue.empty() && state_->running.empty()); });
}

std::size_t JobRunner::running() const {
  std::lock_guard lock(state_->mutex);
  return state_->running.size();
}

std::size_t JobRunner::queued() const {
  std::lock_guard lock(state_->mutex);
  return state_->queue.size();
}

std::vector<std::string> JobRunner::running_names() const {
  std::lock_guard lock(state_->mutex);
  return state_->running;
}

}  // namespace atelier::reconciler
