// libcurl easy-handle wrapper for the http, smtp and imap checks (see curl_util.h).
#include "agent/checks/curl_util.h"

#include <algorithm>

namespace atelier::agent {

constexpr std::size_t kMaxBody = 1024 * 1024;

CurlCall::CurlCall(std::chrono::milliseconds timeout) : curl_(curl_easy_init()) {
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &CurlCall::on_body);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(curl_, CURLOPT_DEBUGFUNCTION, &CurlCall::on_debug);
  curl_easy_setopt(curl_, CURLOPT_DEBUGDATA, this);
  curl_easy_setopt(curl_, CURLOPT_VERBOSE, 1L);
  // The checks talk to lab hosts as a user would, not through a proxy of the agent's host.
  curl_easy_setopt(curl_, CURLOPT_NOPROXY, "*");
}

CurlCall::~CurlCall() {
  curl_easy_cleanup(curl_);
}

CURLcode CurlCall::perform() {
  return curl_easy_perform(curl_);
}

std::size_t CurlCall::on_body(char* data, std::size_t size, std::size_t n, void* self) {
  auto* call = static_cast<CurlCall*>(self);
  std::size_t bytes = size * n;
  if (call->body_.size() < kMaxBody)
    call->body_.append(data, std::min(bytes, kMaxBody - call->body_.size()));
  return bytes;
}

int CurlCall::on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* self) {
  if (type != CURLINFO_HEADER_IN) return 0;
  auto* call = static_cast<CurlCall*>(self);
  std::string line(data, size);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (!line.empty() && call->server_lines_.size() < 200)
    call->server_lines_.push_back(std::move(line));
  return 0;
}

std::string CurlCall::error_text(CURLcode code) const {
  return error_[0] ? std::string(error_) : std::string(curl_easy_strerror(code));
}

long CurlCall::response_code() const {
  long code = 0;
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &code);
  return code;
}

}  // namespace atelier::agent
