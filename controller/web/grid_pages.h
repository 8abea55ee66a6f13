// The evaluator's pages (the grading grid, one cell's evidence, a candidate's competency sheet),
// rendered on the server from typed view models like pages.h. The server fills the models from
// the graded session (controller/api/handlers_web_grid.cpp); every text is escaped here.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controller/web/pages.h"

namespace atelier::web {

// A task's or a check's outcome, always shown as a word and a letter as well as a colour.
enum class Verdict { kPassed, kPartial, kFailed, kError, kNotRun };

struct GridTask {
  std::string id;
  std::string title;
  std::string points;  // the task's possible points, "3"
};

struct GridCell {
  Verdict verdict = Verdict::kNotRun;
  std::string points;  // "2.5/3"
  double earned = 0;   // for sorting
  bool overridden = false;
  bool sla_breached = false;
  std::string time_to_resolve;  // "4m05s", "" when not resolved
  std::string url;              // the cell page
  bool tampered = false;        // the latest run's answer for this task has tamper evidence
};

struct GridRow {
  std::string candidate;
  std::vector<GridCell> cells;  // one per GridPage::tasks, same order
  std::string total;            // "7/10"
  double earned = 0;
  double percentage = 0;  // 0..100
  std::string sheet_url;
};

struct GridPage {
  Lang lang = Lang::kFr;
  std::string session;
  std::string lab_title;
  std::string computed_at;               // display time
  std::optional<std::string> frozen_at;  // set: final results; else provisional
  std::string frozen_by;
  std::vector<GridTask> tasks;
  std::vector<GridRow> rows;
  std::string sort = "candidate";  // "candidate", "total" or a task id (see sort_grid)
  bool descending = false;
  std::string self_url;     // the grid's own path, for the ?sort= links
  std::string export_base;  // "/evaluator/sessions/s1/export/": + csv|json|junit|html
  std::string csrf_token;
  std::string freeze_url;
};

// Orders the rows by `key` ("candidate", "total", or a task id; an unknown key sorts by
// candidate), ties by candidate name. Sets page.sort and page.descending to what was applied.
void sort_grid(GridPage& page, const std::string& key, bool descending);

struct CheckView {
  std::string description;
  std::string host;
  Verdict verdict = Verdict::kNotRun;  // kPassed, kFailed, kError or kNotRun
  std::string expected;
  std::string observed;
  std::string finished_at;  // "" when never run
  std::string integrity;    // tamper evidence, "" when clean (the verdict is then kFailed)
};

struct RunView {
  std::string run_id;
  std::string started_at;
  bool scheduled = true;       // false: on demand
  std::string who;             // who started it, "" when unknown
  std::string summary;         // this task's checks in the run, "2/3"
  std::string ignored_reason;  // "" when graded; else already translated
};

struct OverrideView {
  std::string points;
  std::string justification;
  std::string who;
  std::string when;
  bool applied = false;  // the one that counts
};

struct NoteView {
  std::string text;
  std::string who;
  std::string when;
  std::string result_id;  // "" when about the task
};

// One console recording of the candidate (any host), played in the page by asciinema-player.
struct RecordingView {
  // Where the player starts, and why: at the ticket's opening (start_at seconds into the
  // recording), or at the beginning because the connection opened after the ticket did, or
  // because no ticket was handed out yet.
  enum class Start { kTicket, kOpenedAfterTicket, kNoTicket };
  std::string host;
  long long connection = 0;
  std::string started_at;  // display time of the connection's opening
  std::uintmax_t bytes = 0;
  std::string url;         // the recording itself: the player's source and the download link
  long long start_at = 0;  // seconds
  Start start = Start::kNoTicket;
  std::string ticket_at;  // display time of the ticket's opening, "" when none
};

// Where a recording's player starts: the ticket's opening (when the candidate's tickets were
// handed out) as seconds into a recording that began at `recording_start`, never before 0.
struct PlayerStart {
  long long seconds = 0;
  RecordingView::Start why = RecordingView::Start::kNoTicket;
};
PlayerStart player_start(std::optional<std::chrono::system_clock::time_point> ticket,
                         std::chrono::system_clock::time_point recording_start);

struct CellPage {
  Lang lang = Lang::kFr;
  std::string session;
  std::string candidate;
  std::string task_id;
  std::string task_title;
  Verdict verdict = Verdict::kNotRun;   // the grade's (grading::TaskGrade::graded_status)
  std::optional<OverrideView> applied;  // the override that counts, shown beside the verdict
  std::string points;                   // "2/3"
  std::string possible;                 // "3": the override form's maximum
  bool sla_breached = false;
  std::string sla;              // "30m00s", "" when none
  std::string time_to_resolve;  // "" when not resolved
  std::optional<std::string> frozen_at;
  std::vector<CheckView> checks;
  std::vector<RunView> runs;  // oldest first
  std::vector<OverrideView> overrides;
  std::vector<NoteView> notes;
  std::string csrf_token;
  std::string override_url, annotate_url, freeze_url, grid_url, sheet_url;
  std::string error;         // already translated, shown above the forms; "" when none
  std::string points_value;  // what the override form held when it was refused
  std::string justification_value;
  std::vector<RecordingView> recordings;  // the candidate's, every host
  bool player = false;  // asciinema-player is installed (/assets/player/): else downloads only
};

struct CompetencyBar {
  std::string code;  // "C07"
  std::string name;
  std::string points;     // "3/4"
  double percentage = 0;  // 0..100
};

struct SheetTask {
  std::string id;
  std::string title;
  Verdict verdict = Verdict::kNotRun;
  std::string points;
};

struct SheetPage {
  Lang lang = Lang::kFr;
  std::string session;
  std::string candidate;
  std::string lab_title;
  std::string total;  // "7/10"
  double percentage = 0;
  std::optional<std::string> frozen_at;
  std::vector<CompetencyBar> bars;  // C01..C19 as graded (only the lab's competencies)
  std::vector<SheetTask> tasks;
  std::string grid_url;
};

std::string render_grid(const GridPage& page);
std::string render_cell(const CellPage& page);
std::string render_sheet(const SheetPage& page);
// The bar chart alone (an inline <svg role="img"> with a title and each value as text).
std::string render_competency_chart(Lang lang, const std::vector<CompetencyBar>& bars);

// "P RÉUSSI" / "P PASSED", "~ PARTIEL", "F ÉCHEC", "E ERREUR", "- NON ÉVALUÉ".
std::string verdict_text(Lang lang, Verdict v);

}  // namespace atelier::web
