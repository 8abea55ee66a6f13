// ConsoleHub: one console stream per host shared by every viewer of it (fan-out), one writer at
// a time, a bounded scrollback for late viewers, and an asciicast recording of every byte.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "controller/provider/provider.h"

namespace atelier::console {

struct HubOptions {
  // Recordings go to <recordings_dir>/<session>/<candidate>/<host>-<n>.cast (files 0600,
  // folders 0700); n counts up so that a reopened hub never overwrites an earlier recording.
  std::filesystem::path recordings_dir;
  std::size_t scrollback_bytes = 64 * 1024;      // sent to a viewer when it attaches
  std::chrono::milliseconds reopen_delay{1000};  // first retry after a stream ended; doubles
  std::chrono::milliseconds reopen_max_delay{30000};
  int width = 80;  // of the recording's header
  int height = 24;
};

enum class ViewerRole { kCandidate, kTrainer };

// Who holds a console's keyboard, as one viewer sees it: so that a candidate's page can say
// that a trainer took over, and a trainer's page whether their keys go to the guest.
struct KeyboardState {
  bool yours = false;                // this viewer's keys go to the guest
  std::optional<ViewerRole> holder;  // nobody holds it: nullopt
  std::string holder_name;           // the holder's `who` at attach ("marie", "alice")
  bool operator==(const KeyboardState&) const = default;
};

// Where a viewer's bytes go. Called with the hub's lock held, from libvirt's event thread or
// the caller's: must not block and must not call the hub (queue the bytes, then return).
struct ViewerSink {
  std::function<void(std::string_view bytes)> output;
  std::function<void(std::string_view why)> closed;  // the hub let the viewer go (lab closed)
  // The keyboard changed hands (and once at attach): every viewer of the console is told.
  std::function<void(const KeyboardState&)> keyboard;
};

using ViewerId = std::uint64_t;

// Thread-safe. attach() and a reopen make blocking provider calls: call the hub off io threads,
// and give it a scheduler whose tasks run off io threads too.
class ConsoleHub {
 public:
  using Opener = std::function<Result<std::unique_ptr<provider::ConsoleStream>>(
      const provider::ObjectRef& host, provider::ConsoleCallbacks callbacks)>;
  // Runs `task` once after `delay` (daemon: an asio timer handing it to a worker thread).
  using Scheduler = std::function<void(std::chrono::milliseconds delay, std::function<void()>)>;

  ConsoleHub(HubOptions options, Opener opener, Scheduler scheduler);
  ~ConsoleHub();  // closes every stream and recording
  ConsoleHub(const ConsoleHub&) = delete;
  ConsoleHub& operator=(const ConsoleHub&) = delete;

  // Adds a viewer of host's console, opening the stream (and its recording) if it is the first.
  // The scrollback goes to sink.output before this returns. A candidate becomes the writer if
  // nobody is; a trainer watches until take_over(). Errors: the stream could not be opened
  // (the provider's error: kNotFound, kFailedPrecondition for a guest that is not running...)
  // or the recording could not be created (kIo).
  Result<ViewerId> attach(const provider::ObjectRef& host, ViewerRole role, std::string who,
                          ViewerSink sink);
  // Removes the viewer; the stream and its recording stay open until close_lab(). If it was the
  // writer, an attached candidate (the earliest) becomes the writer. Unknown ids: no-op.
  void detach(ViewerId viewer);
  // Sends bytes to the guest (and records them as input). kPermissionDenied: not the writer;
  // kUnavailable: the stream is down (guest rebooting); kNotFound: unknown viewer.
  Status write(ViewerId viewer, std::string_view bytes);
  // A trainer takes the keyboard from whoever had it. kPermissionDenied for a candidate.
  Status take_over(ViewerId viewer);
  // A trainer holding the keyboard gives it back: to the earliest attached candidate, else
  // nobody. kPermissionDenied when `viewer` is no trainer or does not hold it.
  Status hand_back(ViewerId viewer);
  // True if `viewer` holds the keyboard.
  bool is_writer(ViewerId viewer) const;
  // Closes every console of one candidate lab (session + candidate), its recordings, and lets
  // its viewers go (sink.closed). Call it when the lab is destroyed. Idempotent. When it returns
  // the recordings are closed and hold every byte any viewer got: each chunk is recorded before
  // it fans out, under the same lock, and nothing is recorded after the close. A chunk is one
  // event, cut wherever the stream cut it: read a recording back with read_asciicast/text_of.
  void close_lab(const std::string& session, const std::string& candidate);
  // Paths of the recordings made so far for host (oldest first); for evaluators and tests.
  std::vector<std::filesystem::path> recordings(const provider::ObjectRef& host) const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace atelier::console
