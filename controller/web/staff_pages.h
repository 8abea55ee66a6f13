// The pages of people with accounts (issue 15): the staff login, the trainer's pages (the
// sessions list, one session's candidates with their actions, the new-session form) and the
// evaluator's home, rendered on the server from typed view models like the candidate's (pages.h).
// French by default; every status is also a word.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controller/web/pages.h"

namespace atelier::web {

struct StaffLoginPage {
  Lang lang = Lang::kFr;
  std::string csrf_token;
  std::string error;  // already translated, empty when none
  std::string name;   // the name typed before a failed attempt
};

struct SessionRowView {
  std::string id;
  std::string lab;     // the lab's id
  std::string status;  // the session's LabStatus as a word ("ready", ...)
  bool destroyed = false;
  int ready = 0;
  int total = 0;
  std::string created_by;
  long long age_seconds = 0;
  bool frozen = false;  // the results are frozen (the evaluator's home says so)
};

struct TrainerSessionsPage {
  Lang lang = Lang::kFr;
  std::string user;        // who is signed in
  std::string filter;      // the ?q= text, shown back in the field
  bool can_create = true;  // a session-limited trainer cannot create sessions: no link
  std::vector<SessionRowView> sessions;  // already filtered
};

// The reset list's value for "the whole lab, on another hypervisor host" (a machine's name is
// never this: names are [a-z0-9-]).
inline constexpr const char* kMoveChoice = "@move";

struct CandidateRowView {
  std::string candidate;
  std::string display_name;  // "Alice Martin", "" when none was given
  std::string status;        // LabStatus word: pending, provisioning, ready, failed, ...
  std::string step;          // the provisioning step under way ("disks"), "" when none
  std::string error;         // the last failure, "" when none
};

struct TrainerSessionPage {
  Lang lang = Lang::kFr;
  std::string user;
  std::string csrf_token;  // in every form; the server compares it with its cookie
  std::string session;
  std::string lab;
  std::string status;
  bool destroyed = false;
  int ready = 0;       // candidate labs ready, of candidates.size()
  std::string notice;  // already translated: what the last action did, "" when none
  std::vector<CandidateRowView> candidates;
  std::vector<std::string> hosts;          // the lab's machines: a console link each, per candidate
  std::vector<std::string> display_hosts;  // those with a screen: a screen link each too
  // atelierd has more than one hypervisor host: the reset list offers to move the whole lab
  // (kMoveChoice) to another one.
  bool can_move = false;
};

// One lab of --labs-dir that the session service loads, as the new-session form offers it.
struct LabChoiceView {
  std::string id;     // the folder's name, the form's value
  std::string title;  // in the page's language
  std::vector<std::string> competencies;
  long long duration_seconds = 0;
  std::vector<std::string> hosts;
  std::uint64_t guest_memory_bytes = 0;  // the lab's guests' memory, summed
  std::uint64_t demand_bytes = 0;        // what placement counts per candidate (guests + QEMU)
  int fits = 0;  // candidate labs the hosts' memory left takes now (each whole on one host)
};

// The hypervisor hosts' memory as the reconciler last read it (virNodeGetInfo, in the store) less
// the host reserve (usable) and the labs placed now (left). Unknown until the reconciler has read
// a host.
struct CapacityView {
  bool known = false;
  int hosts = 0;
  std::uint64_t usable_bytes = 0;
  std::uint64_t left_bytes = 0;
};

// What the trainer typed, kept when the form comes back with an error.
struct NewSessionForm {
  std::string lab;
  std::string name;            // the session's id, "" for a generated one
  std::string candidates;      // the textarea as typed: one per line, "name[,display name]"
  std::string check_interval;  // "" (the lab's or atelierd's), "30s", "2m", "off"
  bool feedback = false;
  bool candidate_resets = false;
};

struct NewSessionPage {
  Lang lang = Lang::kFr;
  std::string user;
  std::string csrf_token;
  std::vector<LabChoiceView> labs;
  std::vector<std::string> broken_labs;  // "folder: first error" of labs that do not load
  CapacityView capacity;
  NewSessionForm form;
  std::string error;                     // the session service's message, "" when none
  std::vector<std::string> diagnostics;  // a lab's loader diagnostics, one a line
};

// The evaluator's home: the sessions the person may grade, each linking to its grid.
struct EvaluatorHomePage {
  Lang lang = Lang::kFr;
  std::string user;
  bool trainer = false;  // a trainer also gets a link back to the trainer's pages
  std::vector<SessionRowView> sessions;
};

std::string render_staff_login(const StaffLoginPage& page);
std::string render_trainer_sessions(const TrainerSessionsPage& page);
std::string render_trainer_session(const TrainerSessionPage& page);
std::string render_new_session(const NewSessionPage& page);
std::string render_evaluator_home(const EvaluatorHomePage& page);
// "1.5 Gio" / "1.5 GiB", "512 Mio" / "512 MiB": memory as people read it.
std::string format_memory(Lang lang, std::uint64_t bytes);

}  // namespace atelier::web
