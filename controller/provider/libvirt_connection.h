// libvirt plumbing: the process-wide event loop, a bounded pool that runs blocking libvirt calls
// with a deadline, and a connection that is re-opened after libvirtd goes away.
#pragma once

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.h"

namespace atelier::provider {

// libvirt's default event loop (virEventRegisterDefaultImpl, once per process) run by one thread
// while anything holds a reference. Keepalive and close callbacks need it running.
class LibvirtEventLoop {
 public:
  static std::shared_ptr<LibvirtEventLoop> acquire();
  ~LibvirtEventLoop();
  LibvirtEventLoop(const LibvirtEventLoop&) = delete;
  LibvirtEventLoop& operator=(const LibvirtEventLoop&) = delete;

 private:
  LibvirtEventLoop();
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A fixed number of worker threads. run() waits for its call up to a deadline; past it the
// caller gets kTimeout and the call is abandoned: if it had not started yet it is dropped, if
// it is running it finishes in the background (libvirt calls cannot be cancelled) and its
// result is discarded, its effects are whatever libvirt did. The destructor waits for running
// calls.
class CallPool {
 public:
  explicit CallPool(unsigned threads);
  ~CallPool();
  CallPool(const CallPool&) = delete;
  CallPool& operator=(const CallPool&) = delete;

  template <typename T>
  Result<T> run(std::function<Result<T>()> fn, std::chrono::milliseconds deadline);

  // Blocks until no call is queued or running (abandoned ones included).
  void wait_idle();

 private:
  void submit(std::function<void()> task);
  void work();

  std::mutex mutex_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<std::function<void()>> queue_;
  unsigned busy_ = 0;  // calls queued or running
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

using ConnPtr = std::shared_ptr<virConnect>;

// Opens the URI on first use and again whenever the previous connection closed (close
// callback, virConnectIsAlive() false, or a call failed with a connection-level error).
class LibvirtConnection {
 public:
  LibvirtConnection(std::string uri, int keepalive_interval_s, unsigned keepalive_count);
  ~LibvirtConnection();

  // A live connection. kUnavailable if the URI cannot be opened now.
  Result<ConnPtr> get();
  // Turns the calling thread's last libvirt error into an Error; marks the connection broken
  // when the error says the link to libvirtd is gone (the next get() reopens).
  Error last_error(std::string_view fallback);
  const std::string& uri() const { return uri_; }
  // Times the connection was (re)opened; for tests of reconnection.
  unsigned opens() const;

 private:
  Result<ConnPtr> open_locked();

  std::shared_ptr<LibvirtEventLoop> loop_;
  std::string uri_;
  int keepalive_interval_s_;
  unsigned keepalive_count_;
  mutable std::mutex mutex_;
  ConnPtr conn_;
  std::shared_ptr<std::atomic<bool>> closed_;
  unsigned opens_ = 0;
};

// True if `uri` names this machine's own hypervisor ("qemu:///system", "qemu+unix:///system"):
// its bridges and /dev/kvm are then this machine's. False for test:// and URIs naming a host.
bool uri_is_local_hypervisor(std::string_view uri);

// Maps a libvirt error code to atelier's.
ErrorCode map_libvirt_code(int code, int domain);
// True for errors that mean the connection to libvirtd is gone.
bool is_connection_error(int code, int domain);

template <typename T>
Result<T> CallPool::run(std::function<Result<T>()> fn, std::chrono::milliseconds deadline) {
  struct State {
    std::mutex mutex;
    std::condition_variable cv;
    std::optional<Result<T>> result;
    bool abandoned = false;
    bool started = false;
  };
  auto state = std::make_shared<State>();
  submit([state, fn = std::move(fn)] {
    {
      std::lock_guard lock(state->mutex);
      if (state->abandoned) {
        return;
      }
      state->started = true;
    }
    Result<T> result = fn();
    {
      std::lock_guard lock(state->mutex);
      state->result.emplace(std::move(result));
    }
    state->cv.notify_all();
  });
  std::unique_lock lock(state->mutex);
  if (!state->cv.wait_for(lock, deadline, [&] { return state->result.has_value(); })) {
    state->abandoned = true;
    std::string what = state->started
                           ? "the libvirt call is still running and was abandoned"
                           : "no worker was free to start the libvirt call; it was dropped";
    return Error(ErrorCode::kTimeout,
                 "no answer within " + std::to_string(deadline.count()) + " ms: " + what);
  }
  return std::move(*state->result);
}

}  // namespace atelier::provider
