// The `http` check: GET a URL with libcurl (no redirects followed, certificates not verified:
// lab hosts use self-signed ones), compare the status and search the body with a regex.

#include "agent/checks/check.h"
#include "agent/checks/curl_util.h"

namespace atelier::agent {

Evidence run_http(const checks::HttpCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  std::string want = "GET " + c.url + " -> " + std::to_string(c.status);
  if (c.body_regex) want += ", body matches /" + *c.body_regex + "/";
  CurlCall call(ctx.timeout);
  curl_easy_setopt(call.handle(), CURLOPT_URL, c.url.c_str());
  curl_easy_setopt(call.handle(), CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(call.handle(), CURLOPT_SSL_VERIFYHOST, 0L);
  CURLcode rc = call.perform();
  if (rc != CURLE_OK) {
    // The server did not answer: for an expected status the check fails, it did not break.
    ev.expect(want, "no HTTP answer: " + call.error_text(rc), false);
    return ev.finish();
  }
  long status = call.response_code();
  std::string seen = "status " + std::to_string(status) + ", body " +
                     std::to_string(call.body().size()) + " bytes";
  bool ok = status == c.status;
  if (c.body_regex) {
    RegexOutcome m = ctx.search_regex(*c.body_regex, call.body());
    if (!m.valid) {
      ev.expect(want, "", false);
      return ev.error("invalid regex /" + *c.body_regex + "/: " + m.text);
    }
    if (m.matched) {
      seen += ", matched " + quote(m.text, 120);
    } else {
      seen += " not matching: " + quote(call.body(), 160);
      ok = false;
    }
  }
  ev.expect(want, seen, ok);
  return ev.finish();
}

}  // namespace atelier::agent
