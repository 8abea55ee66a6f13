// ConsoleHub: state under one mutex; streams are opened and closed outside it (a stream's
// close waits for its running callback, which may be waiting for this mutex). Callbacks and
// scheduled reopens hold weak references, so a hub that is gone makes them no-ops.
#include "controller/console/console_hub.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "controller/console/asciicast.h"

namespace atelier::console {
namespace {

using provider::ObjectRef;
using StreamPtr = std::shared_ptr<provider::ConsoleStream>;
namespace fs = std::filesystem;

std::string key_of(const ObjectRef& host) {
  return host.session + "/" + host.candidate + "/" + host.object;
}

// Creates <dir>/<session>/<candidate>/<host>-<n>.cast, 0600 in 0700 folders, with the first
// free n (O_EXCL: two hubs never share a file).
Result<std::pair<fs::path, AsciicastWriter>> create_recording(const HubOptions& opts,
                                                              const ObjectRef& host) {
  std::error_code ec;
  fs::path dir = opts.recordings_dir / host.session / host.candidate;
  fs::create_directories(dir, ec);
  if (ec) {
    return Error(ErrorCode::kIo, "cannot create " + dir.string() + ": " + ec.message());
  }
  for (const fs::path& d : {opts.recordings_dir, opts.recordings_dir / host.session, dir}) {
    fs::permissions(d, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  for (int n = 1; n < 100000; ++n) {
    fs::path path = dir / (host.object + "-" + std::to_string(n) + ".cast");
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) {
        continue;
      }
      return Error(ErrorCode::kIo, "cannot create the recording " + path.string());
    }
    ::close(fd);
    auto unix_now = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    auto writer = AsciicastWriter::open(path.string(), opts.width, opts.height, unix_now.count(),
                                        AsciicastWriter::Clock::now(),
                                        host.session + " " + host.candidate + " " + host.object);
    if (!writer.ok()) {
      return std::move(writer).error();
    }
    return std::make_pair(path, std::move(*writer));
  }
  return Error(ErrorCode::kIo, "no free recording name in " + dir.string());
}

struct Viewer {
  ViewerRole role;
  std::string who;
  ViewerSink sink;
  std::string key;
};

// One host's console.
struct Console {
  ObjectRef host;
  StreamPtr stream;
  std::uint64_t generation = 0;  // bumped when a stream ends or is replaced: old callbacks stop
  bool closed = false;
  std::string scrollback;
  std::optional<AsciicastWriter> recording;
  std::vector<ViewerId> viewers;  // in attach order
  std::optional<ViewerId> writer;
  std::chrono::milliseconds delay{0};  // next reopen delay
};

}  // namespace

struct ConsoleHub::Impl : std::enable_shared_from_this<ConsoleHub::Impl> {
  HubOptions opts;
  Opener opener;
  Scheduler scheduler;
  mutable std::mutex mutex;
  std::map<std::string, std::shared_ptr<Console>> consoles;
  std::map<ViewerId, Viewer> viewers;
  std::map<std::string, std::vector<fs::path>> recordings;
  ViewerId next_id = 1;

  Status open_stream(const std::shared_ptr<Console>& c);
  void on_output(const std::weak_ptr<Console>& weak, std::uint64_t gen, std::string_view bytes);
  void on_ended(const std::weak_ptr<Console>& weak, std::uint64_t gen);
  void schedule_reopen(const std::shared_ptr<Console>& c);
  // With the mutex held: forgets the console and its viewers; returns its stream to close.
  StreamPtr drop_locked(const std::string& key, std::string_view why, ViewerId except);
  // With the mutex held: the earliest attached candidate of `c`, the keyboard's default holder.
  std::optional<ViewerId> first_candidate_locked(const Console& c) const;
  // With the mutex held: tells every viewer of `c` who holds its keyboard now.
  void announce_locked(const Console& c) const;
};

std::optional<ViewerId> ConsoleHub::Impl::first_candidate_locked(const Console& c) const {
  for (ViewerId id : c.viewers) {
    if (viewers.at(id).role == ViewerRole::kCandidate) return id;
  }
  return std::nullopt;
}

void ConsoleHub::Impl::announce_locked(const Console& c) const {
  KeyboardState state;
  if (c.writer) {
    const Viewer& holder = viewers.at(*c.writer);
    state.holder = holder.role;
    state.holder_name = holder.who;
  }
  for (ViewerId id : c.viewers) {
    const auto& sink = viewers.at(id).sink;
    if (!sink.keyboard) continue;
    state.yours = c.writer == id;
    sink.keyboard(state);
  }
}

Status ConsoleHub::Impl::open_stream(const std::shared_ptr<Console>& c) {
  std::uint64_t gen = 0;
  {
    std::lock_guard lock(mutex);
    gen = ++c->generation;
  }
  std::weak_ptr<Impl> self = shared_from_this();
  std::weak_ptr<Console> weak = c;
  provider::ConsoleCallbacks callbacks{[self, weak, gen](std::string_view bytes) {
                                         if (auto hub = self.lock())
                                           hub->on_output(weak, gen, bytes);
                                       },
                                       [self, weak, gen](const Status&) {
                                         if (auto hub = self.lock()) hub->on_ended(weak, gen);
                                       }};
  auto opened = opener(c->host, std::move(callbacks));
  if (!opened.ok()) {
    return std::move(opened).error();
  }
  StreamPtr stream(std::move(*opened));
  {
    std::lock_guard lock(mutex);
    if (!c->closed && c->generation == gen) {
      c->stream = std::move(stream);
      c->delay = std::chrono::milliseconds(0);
      return ok_status();
    }
  }
  // Closed meanwhile, or the stream ended before it was installed (on_ended reschedules).
  stream->close();
  return ok_status();
}

void ConsoleHub::Impl::on_output(const std::weak_ptr<Console>& weak, std::uint64_t gen,
                                 std::string_view bytes) {
  auto c = weak.lock();
  if (!c) return;
  std::lock_guard lock(mutex);
  if (c->closed || c->generation != gen) return;
  c->scrollback.append(bytes);
  if (c->scrollback.size() > opts.scrollback_bytes) {
    c->scrollback.erase(0, c->scrollback.size() - opts.scrollback_bytes);
  }
  if (c->recording) {
    (void)c->recording->output(AsciicastWriter::Clock::now(), bytes);  // best effort
  }
  for (ViewerId id : c->viewers) {
    auto& sink = viewers.at(id).sink;
    if (sink.output) sink.output(bytes);
  }
}

void ConsoleHub::Impl::on_ended(const std::weak_ptr<Console>& weak, std::uint64_t gen) {
  auto c = weak.lock();
  if (!c) return;
  StreamPtr old;
  {
    std::lock_guard lock(mutex);
    if (c->closed || c->generation != gen) return;
    ++c->generation;
    old = std::move(c->stream);
  }
  // Released on the scheduler's thread: this runs inside the stream's own callback.
  if (old) scheduler(std::chrono::milliseconds(0), [old] { old->close(); });
  schedule_reopen(c);
}

void ConsoleHub::Impl::schedule_reopen(const std::shared_ptr<Console>& c) {
  std::chrono::milliseconds delay;
  {
    std::lock_guard lock(mutex);
    if (c->closed) return;
    delay = c->delay.count() == 0 ? opts.reopen_delay : c->delay;
    c->delay = std::min(delay * 2, opts.reopen_max_delay);
  }
  std::weak_ptr<Impl> self = shared_from_this();
  std::weak_ptr<Console> weak = c;
  scheduler(delay, [self, weak] {
    auto hub = self.lock();
    auto console = weak.lock();
    if (!hub || !console) return;
    {
      std::lock_guard lock(hub->mutex);
      if (console->closed || console->stream) return;
    }
    if (!hub->open_stream(console).ok()) {
      hub->schedule_reopen(console);  // the guest is still down: try again later
    }
  });
}

StreamPtr ConsoleHub::Impl::drop_locked(const std::string& key, std::string_view why,
                                        ViewerId except) {
  auto it = consoles.find(key);
  if (it == consoles.end()) return nullptr;
  auto c = it->second;
  c->closed = true;
  ++c->generation;
  c->recording.reset();
  for (ViewerId id : c->viewers) {
    auto v = viewers.find(id);
    if (v == viewers.end()) continue;
    if (id != except && v->second.sink.closed) v->second.sink.closed(why);
    viewers.erase(v);
  }
  consoles.erase(it);
  return std::move(c->stream);
}

ConsoleHub::ConsoleHub(HubOptions options, Opener opener, Scheduler scheduler)
    : impl_(std::make_shared<Impl>()) {
  impl_->opts = std::move(options);
  impl_->opener = std::move(opener);
  impl_->scheduler = std::move(scheduler);
}

ConsoleHub::~ConsoleHub() {
  std::vector<StreamPtr> streams;
  {
    std::lock_guard lock(impl_->mutex);
    while (!impl_->consoles.empty()) {
      streams.push_back(impl_->drop_locked(impl_->consoles.begin()->first, "atelierd stops", 0));
    }
  }
  for (auto& s : streams) {
    if (s) s->close();
  }
}

Result<ViewerId> ConsoleHub::attach(const ObjectRef& host, ViewerRole role, std::string who,
                                    ViewerSink sink) {
  const std::string key = key_of(host);
  std::shared_ptr<Console> fresh;
  ViewerId id = 0;
  {
    std::lock_guard lock(impl_->mutex);
    auto& c = impl_->consoles[key];
    if (!c) {
      auto recording = create_recording(impl_->opts, host);
      if (!recording.ok()) {
        impl_->consoles.erase(key);
        return std::move(recording).error().context("record the console of " + key);
      }
      c = std::make_shared<Console>();
      c->host = host;
      impl_->recordings[key].push_back(recording->first);
      c->recording.emplace(std::move(recording->second));
      fresh = c;
    }
    id = impl_->next_id++;
    if (!c->scrollback.empty() && sink.output) sink.output(c->scrollback);
    impl_->viewers.emplace(id, Viewer{role, std::move(who), std::move(sink), key});
    c->viewers.push_back(id);
    if (!c->writer && role == ViewerRole::kCandidate) c->writer = id;
    impl_->announce_locked(*c);
  }
  if (fresh) {
    Status opened = impl_->open_stream(fresh);
    if (!opened.ok()) {
      std::lock_guard lock(impl_->mutex);
      (void)impl_->drop_locked(key, "the console could not be opened", id);
      // Nothing was recorded: no empty recording for evaluators to wonder about.
      auto& paths = impl_->recordings[key];
      std::error_code ec;
      fs::remove(paths.back(), ec);
      paths.pop_back();
      return std::move(opened).error().context("open the console of " + key);
    }
  }
  return id;
}

void ConsoleHub::detach(ViewerId viewer) {
  std::lock_guard lock(impl_->mutex);
  auto v = impl_->viewers.find(viewer);
  if (v == impl_->viewers.end()) return;
  auto c = impl_->consoles.at(v->second.key);
  impl_->viewers.erase(v);
  std::erase(c->viewers, viewer);
  if (c->writer == viewer) {
    c->writer = impl_->first_candidate_locked(*c);
    impl_->announce_locked(*c);
  }
}

Status ConsoleHub::write(ViewerId viewer, std::string_view bytes) {
  StreamPtr stream;
  {
    std::lock_guard lock(impl_->mutex);
    auto v = impl_->viewers.find(viewer);
    if (v == impl_->viewers.end()) return Error(ErrorCode::kNotFound, "no such console viewer");
    auto c = impl_->consoles.at(v->second.key);
    if (c->writer != viewer) {
      return Error(ErrorCode::kPermissionDenied, "another viewer holds the keyboard");
    }
    if (!c->stream) {
      return Error(ErrorCode::kUnavailable, "the console is down (the guest is restarting)");
    }
    if (c->recording) (void)c->recording->input(AsciicastWriter::Clock::now(), bytes);
    stream = c->stream;
  }
  return stream->write(bytes);  // outside the lock: a failing write ends the stream (on_ended)
}

Status ConsoleHub::take_over(ViewerId viewer) {
  std::lock_guard lock(impl_->mutex);
  auto v = impl_->viewers.find(viewer);
  if (v == impl_->viewers.end()) return Error(ErrorCode::kNotFound, "no such console viewer");
  if (v->second.role != ViewerRole::kTrainer) {
    return Error(ErrorCode::kPermissionDenied, "only a trainer may take the keyboard over");
  }
  auto& c = *impl_->consoles.at(v->second.key);
  if (c.writer != viewer) {
    c.writer = viewer;
    impl_->announce_locked(c);
  }
  return ok_status();
}

Status ConsoleHub::hand_back(ViewerId viewer) {
  std::lock_guard lock(impl_->mutex);
  auto v = impl_->viewers.find(viewer);
  if (v == impl_->viewers.end()) return Error(ErrorCode::kNotFound, "no such console viewer");
  auto& c = *impl_->consoles.at(v->second.key);
  if (v->second.role != ViewerRole::kTrainer || c.writer != viewer) {
    return Error(ErrorCode::kPermissionDenied, "only a trainer holding the keyboard hands it back");
  }
  c.writer = impl_->first_candidate_locked(c);
  impl_->announce_locked(c);
  return ok_status();
}

bool ConsoleHub::is_writer(ViewerId viewer) const {
  std::lock_guard lock(impl_->mutex);
  auto v = impl_->viewers.find(viewer);
  return v != impl_->viewers.end() && impl_->consoles.at(v->second.key)->writer == viewer;
}

void ConsoleHub::close_lab(const std::string& session, const std::string& candidate) {
  const std::string prefix = session + "/" + candidate + "/";
  std::vector<StreamPtr> streams;
  {
    std::lock_guard lock(impl_->mutex);
    std::vector<std::string> keys;
    for (const auto& [key, c] : impl_->consoles) {
      if (key.starts_with(prefix)) keys.push_back(key);
    }
    for (const auto& key : keys)
      streams.push_back(impl_->drop_locked(key, "the lab was closed", 0));
  }
  for (auto& s : streams) {
    if (s) s->close();
  }
}

std::vector<fs::path> ConsoleHub::recordings(const ObjectRef& host) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->recordings.find(key_of(host));
  return it == impl_->recordings.end() ? std::vector<fs::path>{} : it->second;
}

}  // namespace atelier::console
