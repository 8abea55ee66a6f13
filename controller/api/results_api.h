// The evaluators' endpoints (docs/api.md, "Results"): graded exports of a session's results
// (?format=json|csv|junit|html|grid), annotations, score overrides and the freeze ("collect").
// Access is decided before these are called (roles.h); the handlers only add what depends on
// the data: a candidate sees their own export only when the session has feedback on, without
// the evaluators' notes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "controller/api/http_types.h"
#include "controller/api/roles.h"
#include "controller/grading/model.h"
#include "controller/sessions/session_service.h"
#include "controller/store/store.h"

namespace atelier::api {

// The grading input of a session as the store holds it: the session's lab (as `candidate`, or
// its first candidate, sees it; the tasks' `scoring:` gives the policy), every candidate's
// hand-over time, results grouped into runs, overrides, annotations and the freeze. With
// `candidate`, only that candidate. Results that name a task or check the lab does not have,
// or repeat a check within a run, cannot be graded and are left out (they stay in the store
// and in the raw results list). kNotFound for an unknown session or candidate.
Result<grading::SessionInput> load_session_input(store::Store& store,
                                                 sessions::SessionService& sessions,
                                                 std::string_view session,
                                                 std::optional<std::string_view> candidate = {});

// How evaluator actions (overrides, notes, a freeze) name who made them: a person by their
// account name ("marie"), a token as "id (label)" (or its id when it has no label).
std::string who_of(const store::TokenRecord& token);

class ResultsApi {
 public:
  ResultsApi(store::Store& store, sessions::SessionService& sessions)
      : store_(store), sessions_(sessions) {}

  // Whether a results GET asks for a graded export (its query has `format`); without one the
  // raw results list is served (api.cpp).
  static bool wants_export(std::string_view target);

  // GET /sessions/{s}/results?format=F[&candidate=C][&lang=fr|en][&bom=1] and
  // GET /sessions/{s}/candidates/{c}/results?format=F[&lang=..]. 200 with the export's content
  // type; 400 for a bad format/lang or html without a candidate; 404 for unknown ids.
  HttpResponse export_results(const Route& route, const store::TokenRecord& token,
                              std::string_view target);

  // POST /sessions/{s}/annotations {candidate, task?, result_id?, text} -> 201.
  HttpResponse annotate(const Route& route, const store::TokenRecord& token,
                        const std::string& body);
  // POST /sessions/{s}/overrides {candidate, task, points, justification} -> 201; 400 without a
  // justification or with points outside 0..the task's points; 409 once collected.
  HttpResponse override_score(const Route& route, const store::TokenRecord& token,
                              const std::string& body);
  // POST /sessions/{s}/collect (empty body or {}) -> 200 {session, frozen_at, who, already}.
  HttpResponse collect(const Route& route, const store::TokenRecord& token,
                       const std::string& body);

 private:
  store::Store& store_;
  sessions::SessionService& sessions_;
};

}  // namespace atelier::api
