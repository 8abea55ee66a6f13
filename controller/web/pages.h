// The candidate's pages, rendered on the server from typed view models. The server fills the
// models (from the store and the reconciler's state) and sends the returned HTML as is.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace atelier::web {

enum class Lang { kFr, kEn };

// Looks a message up in the fr/en catalogue; an unknown key returns the key (visible in tests).
std::string message(Lang lang, const std::string& key);

struct LoginPage {
  Lang lang = Lang::kFr;
  std::string csrf_token;  // echoed in a hidden field; the server checks it on POST
  std::string error;       // already translated, empty when none (e.g. wrong code, rate limit)
  std::string action = "/login";
};

enum class MachineState { kBooting, kReady, kResetting, kStopped };

struct MachineView {
  std::string host;  // lab host name, also the console's path element
  MachineState state = MachineState::kBooting;
  std::string login_hint;   // the login the lab gives the candidate, e.g. "stagiaire / stagiaire"
  std::string console_url;  // e.g. "/candidate/console/srv1"
  std::string display_url;  // its screen ("/candidate/display/srv1"); empty: it has none
  std::string reset_url;    // the confirmation page of its reset; empty: no reset offered
};

struct VerdictView {
  bool passed = false;
  std::string checked_at;  // display time, e.g. "10:42"
  std::string summary;     // e.g. "3/4 checks"
};

struct TicketView {
  std::string id;
  std::string title;
  std::string priority;                     // "P1".."P4"
  std::string body_markdown;                // rendered with render_markdown
  long long sla_seconds_left = 0;           // negative once the SLA is breached
  std::optional<VerdictView> last_verdict;  // only when the session has feedback
};

struct WorkspacePage {
  Lang lang = Lang::kFr;
  std::string csrf_token;
  std::string lab_title;
  std::string candidate;
  long long seconds_left = 0;
  bool feedback = false;  // shows verdicts and the "check my work" button
  std::string check_url = "/candidate/check";
  std::string logout_url = "/logout";
  std::vector<TicketView> tickets;
  std::vector<MachineView> machines;
  std::string notice;     // already translated, e.g. "check started"; empty: none
  bool checking = false;  // a check run of this candidate is running
  // While something runs (a reset, a check), the page reloads itself every this many seconds
  // (atelier.js; 0: never). Without JavaScript the notice says to reload.
  int refresh_seconds = 0;
};

// The confirmation step of "reset this machine" (GET /candidate/reset/{host}): what is lost,
// an explicit "yes" that POSTs with the CSRF field, and a way back.
struct ResetConfirmPage {
  Lang lang = Lang::kFr;
  std::string csrf_token;
  std::string lab_title;
  std::string candidate;
  std::string host;
  std::string action_url;  // "/candidate/reset/{host}"
  std::string back_url = "/candidate";
  // A trainer's page (from the session page): watches, and may take the keyboard over and hand
  // it back; the candidate's page only says when a trainer has taken over.
  bool trainer = false;
};

// A short answer to one of the candidate's actions that did not go ahead (refused, too soon,
// not ready): a title, a sentence, and the way back to the workspace.
struct NoticePage {
  Lang lang = Lang::kFr;
  std::string title;  // already translated
  std::string text;   // already translated
  std::string back_url = "/candidate";
  // A trainer's page (from the session page): watches, and may take the keyboard over and hand
  // it back; the candidate's page only says when a trainer has taken over.
  bool trainer = false;
};

// One machine's console (/candidate/console/{host}): xterm.js and assets/console.js, which
// opens the WebSocket at socket_path and reconnects by itself, showing its state in words.
struct ConsolePage {
  Lang lang = Lang::kFr;
  std::string lab_title;
  std::string candidate;
  std::string host;
  std::string socket_path;  // "/console/{session}/{candidate}/{host}"
  std::string login_hint;   // the login the lab gives the candidate on this host; empty: not shown
  std::string back_url = "/candidate";
  // A trainer's page (from the session page): watches, and may take the keyboard over and hand
  // it back; the candidate's page only says when a trainer has taken over.
  bool trainer = false;
};

std::string render_login(const LoginPage& page);
std::string render_console(const ConsolePage& page);
// One machine's screen (/candidate/display/{host}, a host with `display: true`): noVNC and
// assets/display.js on the socket at page.socket_path ("/display/..."), with the same state line
// in words and reconnection as the console; a trainer's page watches until they choose to type.
std::string render_display(const ConsolePage& page);
// The page for a machine that is not the candidate's (404).
// `display`: the machine is the candidate's but has no screen.
std::string render_console_missing(Lang lang, bool display = false);
std::string render_workspace(const WorkspacePage& page);
std::string render_reset_confirm(const ResetConfirmPage& page);
std::string render_notice(const NoticePage& page);

// The colon between a label and its value as each language writes it: French puts a space before
// it ("Lab : demo"), English none ("Lab: demo").
std::string colon(Lang lang);
// "1 h 05 min", "12 min 30 s": a duration as people read it (also used by the countdown script).
std::string format_duration(Lang lang, long long seconds);

}  // namespace atelier::web
