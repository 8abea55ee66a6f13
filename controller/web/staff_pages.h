// The pages of people with accounts (issue 15): the staff login and the trainer's pages (the
// sessions list, one session's candidates with their actions), rendered on the server from typed
// view models like the candidate's (pages.h). French by default; every status is also a word.
#pragma once

#include <string>
#include <vector>

#include "controller/web/pages.h"

namespace atelier::web {

struct StaffLoginPage {
  Lang lang = Lang::kFr;
  std::string csrf_token;
  std::string error;           // already translated, empty when none
  std::string name;            // the name typed before a failed attempt
};

struct SessionRowView {
  std::string id;
  std::string lab;             // the lab's id
  std::string status;          // the session's LabStatus as a word ("ready", ...)
  bool destroyed = false;
  int ready = 0;
  int total = 0;
  std::string created_by;
  long long age_seconds = 0;
};

struct TrainerSessionsPage {
  Lang lang = Lang::kFr;
  std::string user;            // who is signed in
  std::string filter;          // the ?q= text, shown back in the field
  std::vector<SessionRowView> sessions;  // already filtered
};

struct CandidateRowView {
  std::string candidate;
  std::string status;          // LabStatus word: pending, provisioning, ready, failed, ...
  std::string step;            // the provisioning step under way ("disks"), "" when none
  std::string error;           // the last failure, "" when none
};

struct TrainerSessionPage {
  Lang lang = Lang::kFr;
  std::string user;
  std::string csrf_token;      // in every form; the server compares it with its cookie
  std::string session;
  std::string lab;
  std::string status;
  bool destroyed = false;
  std::string notice;          // already translated: what the last action did, "" when none
  std::vector<CandidateRowView> candidates;
};

std::string render_staff_login(const StaffLoginPage& page);
std::string render_trainer_sessions(const TrainerSessionsPage& page);
std::string render_trainer_session(const TrainerSessionPage& page);

}  // namespace atelier::web
