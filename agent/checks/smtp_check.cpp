// The `smtp` check: libcurl speaks SMTP to the server (EHLO, MAIL FROM, RCPT TO, DATA) and the
// message must be accepted (250 after DATA) — or refused, when `accepted` is false. The
// evidence is the server's last reply line.
#include <algorithm>
#include <chrono>
#include <cstring>

#include "agent/checks/check.h"
#include "agent/checks/curl_util.h"

namespace atelier::agent {
namespace {
struct Upload {
  std::string data;
  std::size_t pos = 0;
};
std::size_t read_message(char* buf, std::size_t size, std::size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  std::size_t len = std::min(size * n, up->data.size() - up->pos);
  std::copy_n(up->data.data() + up->pos, len, buf);
  up->pos += len;
  return len;
}
}  // namespace

Evidence run_smtp(const checks::SmtpCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  std::string want = "mail from <" + c.from + "> to <" + c.to + "> " +
                     (c.accepted ? "accepted" : "refused") + " by " + c.server + ":" +
                     std::to_string(c.port);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  Upload up;
  up.data = "From: <" + c.from + ">\r\nTo: <" + c.to + ">\r\nSubject: atelier check " +
            std::to_string(now) +
            "\r\nX-Atelier-Check: smtp\r\n\r\nThis message was sent by an atelier check.\r\n";
  CurlCall call(ctx.timeout);
  std::string url = "smtp://" + c.server + ":" + std::to_string(c.port);
  curl_easy_setopt(call.handle(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(call.handle(), CURLOPT_MAIL_FROM, ("<" + c.from + ">").c_str());
  curl_slist* rcpt = curl_slist_append(nullptr, ("<" + c.to + ">").c_str());
  curl_easy_setopt(call.handle(), CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(call.handle(), CURLOPT_READFUNCTION, &read_message);
  curl_easy_setopt(call.handle(), CURLOPT_READDATA, &up);
  curl_easy_setopt(call.handle(), CURLOPT_UPLOAD, 1L);
  CURLcode rc = call.perform();
  curl_slist_free_all(rcpt);
  long code = call.response_code();
  // The evidence is the server's verdict: its last 4xx/5xx reply when it refused (libcurl
  // sends QUIT afterwards, so the very last line is "221 Bye"), else its last reply.
  std::string last = call.last_server_line();
  for (const auto& line : call.server_lines()) {
    if (!line.empty() && (line[0] == '4' || line[0] == '5')) last = line;
  }
  if (rc == CURLE_OK) {
    ev.expect(want, "accepted: " + (last.empty() ? std::to_string(code) : last), c.accepted);
    return ev.finish();
  }
  if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
      rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_GOT_NOTHING) {
    // No SMTP dialogue happened: neither accepted nor refused by a mail server.
    ev.expect(want, "no SMTP dialogue: " + call.error_text(rc), false);
    return ev.finish();
  }
  ev.expect(want, "refused: " + (last.empty() ? call.error_text(rc) : last), !c.accepted);
  return ev.finish();
}

}  // namespace atelier::agent
