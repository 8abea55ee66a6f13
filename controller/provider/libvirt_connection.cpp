// libvirt event loop, bounded call pool and reconnecting connection.
#include "controller/provider/libvirt_connection.h"

namespace atelier::provider {
namespace {

// libvirt prints every error to stderr unless a handler is set; atelier reports them itself.
void quiet_error_handler(void*, virErrorPtr) {}

void wake_timer(int timer, void*) {
  virEventRemoveTimeout(timer);
}

std::once_flag g_register_once;
bool g_registered = false;
std::mutex g_loop_mutex;
std::weak_ptr<LibvirtEventLoop> g_loop;

void close_callback(virConnectPtr, int, void* opaque) {
  (*static_cast<std::shared_ptr<std::atomic<bool>>*>(opaque))->store(true);
}
void free_close_opaque(void* opaque) {
  delete static_cast<std::shared_ptr<std::atomic<bool>>*>(opaque);
}

}  // namespace

std::shared_ptr<LibvirtEventLoop> LibvirtEventLoop::acquire() {
  std::call_once(g_register_once, [] {
    virInitialize();
    virSetErrorFunc(nullptr, quiet_error_handler);
    // Must precede every virConnectOpen of the process.
    g_registered = virEventRegisterDefaultImpl() == 0;
  });
  std::lock_guard lock(g_loop_mutex);
  auto loop = g_loop.lock();
  if (!loop) {
    loop.reset(new LibvirtEventLoop());
    g_loop = loop;
  }
  return loop;
}

LibvirtEventLoop::LibvirtEventLoop() {
  if (!g_registered) {
    return;
  }
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      virEventRunDefaultImpl();
    }
  });
}

LibvirtEventLoop::~LibvirtEventLoop() {
  if (thread_.joinable()) {
    stop_.store(true);
    // A zero timeout makes the loop's poll return, so the thread sees stop_.
    virEventAddTimeout(0, wake_timer, nullptr, nullptr);
    thread_.join();
  }
}

CallPool::CallPool(unsigned threads) {
  if (threads == 0) {
    threads = 1;
  }
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { work(); });
  }
}

CallPool::~CallPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    t.join();
  }
}

void CallPool::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(task));
    ++busy_;
  }
  cv_.notify_one();
}

void CallPool::work() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // stopping and drained
      }
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
    {
      std::lock_guard lock(mutex_);
      --busy_;
    }
    idle_cv_.notify_all();
  }
}

void CallPool::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_cv_.wait(lock, [this] { return busy_ == 0; });
}

bool uri_is_local_hypervisor(std::string_view uri) {
  auto sep = uri.find("://");
  if (sep == std::string_view::npos) {
    return false;
  }
  std::string_view scheme = uri.substr(0, sep);
  if (scheme.starts_with("test")) {
    return false;
  }
  std::string_view rest = uri.substr(sep + 3);
  if (!(rest.empty() || rest.front() == '/')) {
    return false;  // names a host
  }
  auto plus = scheme.find('+');
  return plus == std::string_view::npos || scheme.substr(plus + 1) == "unix";
}

bool is_connection_error(int code, int domain) {
  switch (code) {
    case VIR_ERR_NO_CONNECT:
    case VIR_ERR_INVALID_CONN:
    case VIR_ERR_RPC:
      return true;
    case VIR_ERR_SYSTEM_ERROR:
      return domain == VIR_FROM_RPC || domain == VIR_FROM_REMOTE;
    default:
      return false;
  }
}

ErrorCode map_libvirt_code(int code, int domain) {
  if (is_connection_error(code, domain)) {
    return ErrorCode::kUnavailable;
  }
  switch (code) {
    case VIR_ERR_NO_DOMAIN:
    case VIR_ERR_NO_NETWORK:
    case VIR_ERR_NO_STORAGE_POOL:
    case VIR_ERR_NO_STORAGE_VOL:
      return ErrorCode::kNotFound;
    case VIR_ERR_XML_ERROR:
    case VIR_ERR_XML_DETAIL:
    case VIR_ERR_INVALID_ARG:
    case VIR_ERR_CONFIG_UNSUPPORTED:
      return ErrorCode::kInvalidArgument;
    case VIR_ERR_AUTH_FAILED:
    case VIR_ERR_ACCESS_DENIED:
    case VIR_ERR_AUTH_CANCELLED:
      return ErrorCode::kPermissionDenied;
    case VIR_ERR_OPERATION_TIMEOUT:
    case VIR_ERR_AGENT_UNRESPONSIVE:
      return ErrorCode::kTimeout;
    default:
      return ErrorCode::kFailedPrecondition;
  }
}

LibvirtConnection::LibvirtConnection(std::string uri, int keepalive_interval_s,
                                     unsigned keepalive_count)
    : loop_(LibvirtEventLoop::acquire()),
      uri_(std::move(uri)),
      keepalive_interval_s_(keepalive_interval_s),
      keepalive_count_(keepalive_count) {}

LibvirtConnection::~LibvirtConnection() {
  std::lock_guard lock(mutex_);
  conn_.reset();
}

unsigned LibvirtConnection::opens() const {
  std::lock_guard lock(mutex_);
  return opens_;
}

Result<ConnPtr> LibvirtConnection::get() {
  std::lock_guard lock(mutex_);
  if (conn_ && !closed_->load() && virConnectIsAlive(conn_.get()) == 1) {
    return conn_;
  }
  return open_locked();
}

Result<ConnPtr> LibvirtConnection::open_locked() {
  // Calls still holding the old connection keep it alive until they finish.
  conn_.reset();
  virResetLastError();
  virConnectPtr raw = virConnectOpenAuth(uri_.c_str(), virConnectAuthPtrDefault, 0);
  if (raw == nullptr) {
    const virError* err = virGetLastError();
    std::string message = err && err->message ? err->message : "unknown error";
    return Error(ErrorCode::kUnavailable, "libvirt: " + message)
        .context("connect to \"" + uri_ + "\"");
  }
  auto closed = std::make_shared<std::atomic<bool>>(false);
  auto* opaque = new std::shared_ptr<std::atomic<bool>>(closed);
  bool registered =
      virConnectRegisterCloseCallback(raw, close_callback, opaque, free_close_opaque) == 0;
  if (!registered) {
    delete opaque;  // drivers without a close event (test://): rely on virConnectIsAlive
  }
  if (keepalive_interval_s_ > 0) {
    // 1 = the driver has no keepalive (local test://); -1 on a remote link is worth ignoring
    // too: the close callback and virConnectIsAlive still catch a dead daemon.
    virConnectSetKeepAlive(raw, keepalive_interval_s_, keepalive_count_);
  }
  virResetLastError();
  conn_ = ConnPtr(raw, [registered](virConnectPtr c) {
    if (registered) {
      virConnectUnregisterCloseCallback(c, close_callback);
    }
    virConnectClose(c);
  });
  closed_ = std::move(closed);
  ++opens_;
  return conn_;
}

Error LibvirtConnection::last_error(std::string_view fallback) {
  const virError* err = virGetLastError();
  if (err == nullptr) {
    return Error(ErrorCode::kInternal, "libvirt: " + std::string(fallback));
  }
  std::string message = err->message ? err->message : std::string(fallback);
  ErrorCode code = map_libvirt_code(err->code, err->domain);
  if (is_connection_error(err->code, err->domain)) {
    std::lock_guard lock(mutex_);
    if (closed_) {
      closed_->store(true);
    }
  }
  return Error(code, "libvirt: " + message);
}

}  // namespace atelier::provider
