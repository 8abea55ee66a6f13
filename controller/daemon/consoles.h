// atelierd's live consoles (an edge, wired here and nowhere in the core): the ConsoleHub, whose
// opener finds where a candidate lab is placed (the store the reconciler keeps, read only) and
// opens the guest's console through a LibvirtProvider of that hypervisor host; the WebSocket
// bridge on the API listener, which opens screens (`display: true`) the same way; and closing a
// lab's consoles when it is reset or destroyed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "controller/api/console_ws.h"
#include "controller/console/console_hub.h"
#include "controller/provider/provider.h"
#include "controller/sessions/lab_operations.h"
#include "controller/store/store.h"

namespace atelier::daemon {

struct ConsoleOptions {
  std::filesystem::path state_dir;  // the store, opened again for the opener's lookups
  std::filesystem::path
      recordings_dir;  // STATE_DIR/recordings: <session>/<candidate>/<host>-<n>.cast
  std::map<std::string, std::string> hosts;               // hypervisor host name -> libvirt URI
  std::string overlay_dir = "/var/lib/atelier/overlays";  // LibvirtOptions needs one; unused here
  std::chrono::milliseconds idle_timeout{0};              // 0: never
};

class Consoles {
 public:
  using RunBlocking = api::ConsoleWebSocket::RunBlocking;
  // authorize runs through run_on_worker (the API's store belongs to the server's worker).
  static Result<std::unique_ptr<Consoles>> create(ConsoleOptions options,
                                                  boost::asio::io_context& io,
                                                  store::Store& api_store,
                                                  RunBlocking run_on_worker);
  ~Consoles();  // closes every console; call before the io_context is gone
  Consoles(const Consoles&) = delete;
  Consoles& operator=(const Consoles&) = delete;

  // HttpServer::Options::upgrade.
  bool take(api::UpgradeContext& up) { return ws_->take(up); }
  // The lab's consoles end (their viewers are told; the page reconnects to a fresh console).
  void close_lab(const std::string& session, const std::string& candidate) {
    hub_->close_lab(session, candidate);
  }

 private:
  Consoles(ConsoleOptions options, boost::asio::io_context& io);
  Result<std::unique_ptr<provider::ConsoleStream>> open(const provider::ObjectRef& host,
                                                        provider::ConsoleCallbacks callbacks);
  Result<provider::DisplayFd> open_display(const provider::ObjectRef& host);
  // The provider of the hypervisor host `host`'s lab is placed on (connected on first use), or
  // why there is none (the lab is destroyed, not placed, on an unknown host). Call under mutex_.
  Result<provider::Provider*> provider_for(const provider::ObjectRef& host);

  ConsoleOptions options_;
  boost::asio::io_context& io_;
  boost::asio::thread_pool pool_{2};  // reopens and stream closes (blocking libvirt calls)
  std::mutex mutex_;                  // guards store_ and providers_
  std::unique_ptr<store::Store> store_;
  std::map<std::string, std::unique_ptr<provider::Provider>> providers_;
  std::unique_ptr<console::ConsoleHub> hub_;
  std::unique_ptr<api::ConsoleWebSocket> ws_;
};

// The reconciler's LabOperations with the consoles closed on a reset or a move (the host is
// destroyed and booted again: a fresh console and recording for the next connection).
class ConsoleClosingOperations final : public sessions::LabOperations {
 public:
  ConsoleClosingOperations(sessions::LabOperations& inner, Consoles& consoles)
      : inner_(inner), consoles_(consoles) {}
  Result<sessions::ActionRecord> reset(const std::string& session, const std::string& candidate,
                                       const std::string& host, const std::string& actor) override;
  Result<sessions::ActionRecord> move(const std::string& session, const std::string& candidate,
                                      const std::string& actor) override;
  Result<sessions::ActionRecord> solve(const std::string& session, const std::string& candidate,
                                       const std::string& actor) override {
    return inner_.solve(session, candidate, actor);
  }
  Result<sessions::ActionRecord> check_run(const std::string& session,
                                           const std::optional<std::string>& candidate,
                                           const std::string& actor) override {
    return inner_.check_run(session, candidate, actor);
  }
  Result<sessions::ActionRecord> action(const std::string& id) override {
    return inner_.action(id);
  }
  Result<sessions::LabAccess> access(const std::string& session,
                                     const std::string& candidate) override {
    return inner_.access(session, candidate);
  }

 private:
  sessions::LabOperations& inner_;
  Consoles& consoles_;
};

// The reconciler's teardown notices (ReconcilerOptions::on_lab_teardown) handed to the consoles
// while they exist: the reconciler is made before them and stops after them.
class TeardownRelay {
 public:
  void attach(Consoles* consoles);  // nullptr: the consoles are gone, notices are dropped
  void operator()(const std::string& session, const std::string& candidate);

 private:
  std::mutex mutex_;
  Consoles* consoles_ = nullptr;
};

}  // namespace atelier::daemon
