// atelierd's consoles: see consoles.h. The opener runs off the io thread (the bridge's attach pool
// or this module's pool) and may block on SQLite and libvirt; one mutex keeps its store
// connection and providers to one user at a time.
#include "controller/daemon/consoles.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "controller/provider/libvirt_provider.h"

namespace atelier::daemon {
namespace asio = boost::asio;

Consoles::Consoles(ConsoleOptions options, asio::io_context& io)
    : options_(std::move(options)), io_(io) {}

Result<std::unique_ptr<Consoles>> Consoles::create(ConsoleOptions options, asio::io_context& io,
                                                   store::Store& api_store,
                                                   RunBlocking run_on_worker) {
  std::unique_ptr<Consoles> c(new Consoles(std::move(options), io));
  auto opened = store::Store::open(c->options_.state_dir);
  if (!opened.ok()) return std::move(opened).error().context("open the store for the consoles");
  c->store_ = std::make_unique<store::Store>(std::move(*opened));
  console::HubOptions hub;
  hub.recordings_dir = c->options_.recordings_dir;
  Consoles* self = c.get();
  c->hub_ = std::make_unique<console::ConsoleHub>(
      hub,
      [self](const provider::ObjectRef& host, provider::ConsoleCallbacks cb) {
        return self->open(host, std::move(cb));
      },
      [self](std::chrono::milliseconds delay, std::function<void()> task) {
        auto timer = std::make_shared<asio::steady_timer>(self->io_, delay);
        timer->async_wait([self, timer, task = std::move(task)](boost::system::error_code ec) {
          if (!ec) asio::post(self->pool_, task);
        });
      });
  api::ConsoleWebSocket::Options wo;
  wo.idle_timeout = c->options_.idle_timeout;
  wo.open_display = [self](const provider::ObjectRef& host) { return self->open_display(host); };
  c->ws_ = std::make_unique<api::ConsoleWebSocket>(
      *c->hub_,
      [&api_store](const api::HttpRequest& r) { return api::console_principal(api_store, r); },
      std::move(run_on_worker), wo);
  return c;
}

Consoles::~Consoles() {
  hub_.reset();  // closes the streams and recordings, lets the viewers go
  ws_.reset();
  pool_.join();
}

Result<provider::Provider*> Consoles::provider_for(const provider::ObjectRef& host) {
  auto lab = store_->get_candidate_lab(host.session, host.candidate);
  if (!lab.ok()) return std::move(lab).error();
  if (lab->status == store::LabStatus::kDestroying || lab->status == store::LabStatus::kDestroyed) {
    return Error(ErrorCode::kNotFound, "the lab of " + host.candidate + " is destroyed");
  }
  if (!lab->host) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the lab of " + host.candidate + " is not placed yet; try again soon");
  }
  auto& provider = providers_[*lab->host];
  if (!provider) {
    auto uri = options_.hosts.find(*lab->host);
    if (uri == options_.hosts.end()) {
      return Error(ErrorCode::kNotFound,
                   "hypervisor host \"" + *lab->host + "\" is not in atelierd's --host list");
    }
    provider::LibvirtOptions lo;
    lo.uri = uri->second;
    lo.overlay_dir = options_.overlay_dir;
    lo.pool_threads = 1;
    auto connected = provider::LibvirtProvider::connect(lo);
    if (!connected.ok()) return std::move(connected).error().context("connect to " + uri->second);
    provider = std::move(*connected);
  }
  return provider.get();
}

Result<std::unique_ptr<provider::ConsoleStream>> Consoles::open(
    const provider::ObjectRef& host, provider::ConsoleCallbacks callbacks) {
  std::lock_guard lock(mutex_);
  auto provider = provider_for(host);
  if (!provider.ok()) return std::move(provider).error();
  return (*provider)->open_console(host, std::move(callbacks));
}

Result<provider::DisplayFd> Consoles::open_display(const provider::ObjectRef& host) {
  std::lock_guard lock(mutex_);
  auto provider = provider_for(host);
  if (!provider.ok()) return std::move(provider).error();
  return (*provider)->open_display(host);
}

Result<sessions::ActionRecord> ConsoleClosingOperations::reset(const std::string& session,
                                                               const std::string& candidate,
                                                               const std::string& host,
                                                               const std::string& actor) {
  auto started = inner_.reset(session, candidate, host, actor);
  if (started.ok()) consoles_.close_lab(session, candidate);
  return started;
}

Result<sessions::ActionRecord> ConsoleClosingOperations::move(const std::string& session,
                                                              const std::string& candidate,
                                                              const std::string& actor) {
  auto started = inner_.move(session, candidate, actor);
  if (started.ok()) consoles_.close_lab(session, candidate);
  return started;
}

void TeardownRelay::attach(Consoles* consoles) {
  std::lock_guard lock(mutex_);
  consoles_ = consoles;
}

void TeardownRelay::operator()(const std::string& session, const std::string& candidate) {
  std::lock_guard lock(mutex_);
  if (consoles_) consoles_->close_lab(session, candidate);
}

}  // namespace atelier::daemon
