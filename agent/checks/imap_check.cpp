// The `imap` check: libcurl logs in to the IMAP server, selects the mailbox, and (when a
// subject is given) searches for a message with that subject. The evidence quotes the server.
#include "agent/checks/check.h"
#include "agent/checks/curl_util.h"

namespace atelier::agent {

Evidence run_imap(const checks::ImapCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  std::string where = c.user + "@" + c.server + ":" + std::to_string(c.port) + "/" + c.mailbox;
  std::string want = c.subject ? "a message with subject " + quote(*c.subject) + " in " + where : "login and open " + where;
  CurlCall call(ctx.timeout);
  std::string url = "imap://" + c.server + ":" + std::to_string(c.port) + "/" + c.mailbox;
  curl_easy_setopt(call.handle(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(call.handle(), CURLOPT_USERNAME, c.user.c_str());
  curl_easy_setopt(call.handle(), CURLOPT_PASSWORD, c.password.c_str());
  std::string search;
  if (c.subject) {
    std::string escaped;
    for (char ch : *c.subject) {
      if (ch == '"' || ch == '\\') escaped += '\\';
      escaped += ch;
    }
    search = "SEARCH SUBJECT \"" + escaped + "\"";
    curl_easy_setopt(call.handle(), CURLOPT_CUSTOMREQUEST, search.c_str());
  } else {
    curl_easy_setopt(call.handle(), CURLOPT_CUSTOMREQUEST, "NOOP");
  }
  CURLcode rc = call.perform();
  if (rc == CURLE_LOGIN_DENIED) {
    ev.expect(want, "login as " + c.user + " refused: " + call.last_server_line(), false);
    return ev.finish();
  }
  if (rc != CURLE_OK) {
    ev.expect(want, "IMAP failed: " + call.error_text(rc) + (call.last_server_line().empty() ? "" : " (" + call.last_server_line() + ")"), false);
    return ev.finish();
  }
  if (!c.subject) {
    ev.expect(want, "logged in, " + c.mailbox + " opened", true);
    return ev.finish();
  }
  // The untagged reply: "* SEARCH 3 7" or "* SEARCH" when nothing matches.
  std::string hits;
  for (const std::string* text : {&call.body()}) {
    auto pos = text->find("* SEARCH");
    if (pos != std::string::npos) {
      auto end = text->find('\n', pos);
      hits = text->substr(pos + 8, end == std::string::npos ? std::string::npos : end - pos - 8);
    }
  }
  while (!hits.empty() && (hits.back() == '\r' || hits.back() == ' ')) hits.pop_back();
  while (!hits.empty() && hits.front() == ' ') hits.erase(0, 1);
  bool found = !hits.empty();
  ev.expect(want, found ? "message(s) " + hits + " match subject " + quote(*c.subject)
                        : "no message in " + c.mailbox + " has subject " + quote(*c.subject),
            found);
  return ev.finish();
}

}  // namespace atelier::agent
