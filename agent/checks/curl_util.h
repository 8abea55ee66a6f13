// A small RAII wrapper around a libcurl easy handle for the http, smtp and imap checks: it
// collects the body and the server's protocol lines (for evidence) and the error text.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <string>
#include <vector>

namespace atelier::agent {

class CurlCall {
 public:
  explicit CurlCall(std::chrono::milliseconds timeout);
  ~CurlCall();
  CurlCall(const CurlCall&) = delete;
  CurlCall& operator=(const CurlCall&) = delete;

  CURL* handle() { return curl_; }
  // Performs the transfer; returns the curl code. body(), server_lines(), error_text() after.
  CURLcode perform();

  const std::string& body() const { return body_; }
  // The lines the server sent during the dialogue (SMTP/IMAP replies, HTTP headers).
  const std::vector<std::string>& server_lines() const { return server_lines_; }
  std::string last_server_line() const { return server_lines_.empty() ? "" : server_lines_.back(); }
  std::string error_text(CURLcode code) const;
  long response_code() const;

 private:
  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* self);
  static int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* self);

  CURL* curl_;
  std::string body_;
  std::vector<std::string> server_lines_;
  char error_[CURL_ERROR_SIZE] = {};
};

}  // namespace atelier::agent
