// The `imap` check: libcurl logs in to the IMAP server, selects the mailbox, and (when a
// subject is given) searches for a message with that subject. The evidence quotes the server.
#include "agent/checks/check.h"
#include "agent/checks/curl_util.h"

namespace atelier::agent {

Evidence run_imap(const checks::ImapCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  std::string where = c.user + "@" + c.server + ":" + std::to_string(c.port) + "/" + c.mailbox;
  std::string want = c.subject ? "a message with subject " + quote(*c.subject) + " in " + where
                               : "login and open " + where;
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
  if (rc != CURLE_OK) {
    // The server's own refusal is the evidence: its last tagged NO/BAD reply. libcurl reports
    // a failed SELECT as a login failure too, so the reply text decides which it was.
    std::string refusal;
    for (const auto& line : call.server_lines()) {
      if (line.rfind("* ", 0) != 0 &&
          (line.find(" NO ") != std::string::npos || line.find(" BAD ") != std::string::npos)) {
        refusal = line;
      }
    }
    bool auth = refusal.find("AUTHENTICATIONFAILED") != std::string::npos ||
                refusal.find("uthentication") != std::string::npos;
    if (rc == CURLE_LOGIN_DENIED && (auth || refusal.empty())) {
      ev.expect(
          want,
          "login as " + c.user + " refused: " + (refusal.empty() ? call.error_text(rc) : refusal),
          false);
    } else {
      ev.expect(want, "IMAP failed: " + (refusal.empty() ? call.error_text(rc) : refusal), false);
    }
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
  ev.expect(want,
            found ? "message(s) " + hits + " match subject " + quote(*c.subject)
                  : "no message in " + c.mailbox + " has subject " + quote(*c.subject),
            found);
  return ev.finish();
}

}  // namespace atelier::agent
