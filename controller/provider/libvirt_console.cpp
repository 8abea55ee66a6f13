// LibvirtConsole: reads in libvirt's event-loop callback (READABLE), writes at once when the
// stream takes the bytes and otherwise when it says WRITABLE; one shared state outlives both the
// owner and libvirt's registration, so a late callback never touches freed memory.
#include "controller/provider/libvirt_console.h"

#include <array>
#include <mutex>
#include <string>

namespace atelier::provider {
namespace {

constexpr int kWatchRead =
    VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP;
constexpr int kWatchReadWrite = kWatchRead | VIR_STREAM_EVENT_WRITABLE;

// Everything a console needs, shared by the owner (LibvirtConsole) and libvirt's callback
// registration (released by its free callback).
struct ConsoleState {
  ConnPtr conn;
  ConsoleCallbacks callbacks;

  // Held while a callback runs; close() takes it, so no callback starts after close() returns.
  // Recursive: a callback may call close() itself.
  std::recursive_mutex deliver_mutex;
  bool ended = false;  // on_closed was called (or close() ran); under deliver_mutex

  // The stream and the bytes waiting for it.
  std::mutex io_mutex;
  virStreamPtr stream = nullptr;  // owned; null once released
  bool watching = false;          // the event callback is registered
  bool want_writable = false;
  std::string pending;
};

// Tells the owner once that the stream ended; no output is delivered after it.
void end(ConsoleState& s, const Status& why) {
  std::lock_guard deliver(s.deliver_mutex);
  if (s.ended) {
    return;
  }
  s.ended = true;
  {
    std::lock_guard io(s.io_mutex);
    if (s.watching && s.stream != nullptr) {
      virStreamEventRemoveCallback(s.stream);  // local: no round trip to libvirtd
      s.watching = false;
    }
  }
  if (s.callbacks.on_closed) {
    s.callbacks.on_closed(why);
  }
}

// Sends what is pending; with io_mutex held. Past what the stream takes now, asks for WRITABLE.
Status flush_locked(ConsoleState& s) {
  while (!s.pending.empty() && s.stream != nullptr) {
    int n = virStreamSend(s.stream, s.pending.data(), s.pending.size());
    if (n > 0) {
      s.pending.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n == -2) {
      break;  // would block
    }
    const virError* err = virGetLastError();
    std::string message = err != nullptr && err->message != nullptr ? err->message : "send failed";
    virResetLastError();
    return Error(ErrorCode::kUnavailable, "libvirt: console stream: " + message);
  }
  const bool want = !s.pending.empty();
  if (want != s.want_writable && s.watching && s.stream != nullptr) {
    virStreamEventUpdateCallback(s.stream, want ? kWatchReadWrite : kWatchRead);
    s.want_writable = want;
  }
  return ok_status();
}

// Reads everything available now and delivers it. Returns false when the stream ended.
bool drain(virStreamPtr st, ConsoleState& s) {
  std::array<char, 4096> buf{};
  for (;;) {
    int n = virStreamRecv(st, buf.data(), buf.size());
    if (n == -2) {
      return true;
    }
    if (n == 0) {
      end(s, Error(ErrorCode::kUnavailable, "the console ended (the guest stopped)"));
      return false;
    }
    if (n < 0) {
      const virError* err = virGetLastError();
      std::string message =
          err != nullptr && err->message != nullptr ? err->message : "recv failed";
      virResetLastError();
      end(s, Error(ErrorCode::kUnavailable, "libvirt: console stream: " + message));
      return false;
    }
    std::lock_guard deliver(s.deliver_mutex);
    if (s.ended) {
      return false;
    }
    if (s.callbacks.on_output) {
      s.callbacks.on_output(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    }
  }
}

void on_stream_event(virStreamPtr st, int events, void* opaque) {
  std::shared_ptr<ConsoleState> s = *static_cast<std::shared_ptr<ConsoleState>*>(opaque);
  if ((events & VIR_STREAM_EVENT_WRITABLE) != 0) {
    Status sent;
    {
      std::lock_guard io(s->io_mutex);
      sent = flush_locked(*s);
    }
    if (!sent.ok()) {
      end(*s, sent);
      return;
    }
  }
  if ((events & VIR_STREAM_EVENT_READABLE) != 0 && !drain(st, *s)) {
    return;
  }
  if ((events & (VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP)) != 0) {
    end(*s, Error(ErrorCode::kUnavailable, "the console stream hung up"));
  }
}

void free_opaque(void* opaque) {
  delete static_cast<std::shared_ptr<ConsoleState>*>(opaque);
}

class LibvirtConsole final : public ConsoleStream {
 public:
  explicit LibvirtConsole(std::shared_ptr<ConsoleState> state) : s_(std::move(state)) {}
  ~LibvirtConsole() override { close(); }

  Status write(std::string_view bytes) override {
    {
      std::lock_guard deliver(s_->deliver_mutex);
      if (s_->ended) {
        return Error(ErrorCode::kFailedPrecondition, "the console is closed");
      }
    }
    Status sent;
    {
      std::lock_guard io(s_->io_mutex);
      s_->pending.append(bytes);
      sent = flush_locked(*s_);
    }
    if (!sent.ok()) {
      end(*s_, sent);
    }
    return sent;
  }

  void close() override {
    {
      std::lock_guard deliver(s_->deliver_mutex);
      s_->ended = true;  // no on_output / on_closed from here on
    }
    std::lock_guard io(s_->io_mutex);
    if (s_->stream == nullptr) {
      return;
    }
    if (s_->watching) {
      virStreamEventRemoveCallback(s_->stream);
      s_->watching = false;
    }
    virStreamAbort(s_->stream);  // fails harmlessly on a stream that already ended
    virResetLastError();
    virStreamFree(s_->stream);
    s_->stream = nullptr;
    s_->pending.clear();
  }

 private:
  std::shared_ptr<ConsoleState> s_;
};

}  // namespace

Result<std::unique_ptr<ConsoleStream>> open_libvirt_console(const ConnPtr& conn,
                                                            LibvirtConnection& lc, virDomainPtr dom,
                                                            ConsoleCallbacks callbacks) {
  auto state = std::make_shared<ConsoleState>();
  state->conn = conn;
  state->callbacks = std::move(callbacks);
  virStreamPtr stream = virStreamNew(conn.get(), VIR_STREAM_NONBLOCK);
  if (stream == nullptr) {
    return lc.last_error("creating a stream failed");
  }
  // FORCE: a console left open by an earlier atelierd (or a virsh console) is taken over.
  if (virDomainOpenConsole(dom, nullptr, stream, VIR_DOMAIN_CONSOLE_FORCE) < 0) {
    Error error = lc.last_error("opening the console failed");
    virStreamFree(stream);
    return error;
  }
  auto* opaque = new std::shared_ptr<ConsoleState>(state);
  {
    // Held across the registration: an event that fires at once waits until `watching` is true.
    std::lock_guard io(state->io_mutex);
    if (virStreamEventAddCallback(stream, kWatchRead, on_stream_event, opaque, free_opaque) < 0) {
      Error error = lc.last_error("watching the console stream failed");
      delete opaque;
      virStreamAbort(stream);
      virStreamFree(stream);
      return error;
    }
    state->stream = stream;
    state->watching = true;
  }
  return std::unique_ptr<ConsoleStream>(std::make_unique<LibvirtConsole>(state));
}

}  // namespace atelier::provider
