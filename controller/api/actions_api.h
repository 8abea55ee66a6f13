// The trainer's actions on running candidate labs (reset, solve, check run), their progress, and
// how to reach a lab's machines, as the API serves them: handle_action() serves the endpoints
// (docs/api.md) over sessions::LabOperations (controller/sessions/lab_operations.h).
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "controller/api/http_types.h"
#include "controller/api/roles.h"
#include "controller/sessions/legacy_names.h"  // LabOperations, ActionRecord, ... (api:: aliases)
#include "controller/store/store.h"

namespace atelier::api {

// Serves kResetLab, kSolveLab, kRunChecks and kGetAction (route already authorized).
// `operations` may be null (an API without a reconciler): 503.
HttpResponse handle_action(const Route& route, const HttpRequest& request, store::Store& store,
                           LabOperations* operations, const std::string& actor);

// Fills "console", "ssh" and "placed_on" of GET .../access from the lab's plan when the lab is
// placed (left null otherwise, or without a reconciler).
void add_access_details(boost::json::object& access, LabOperations* operations,
                        const std::string& session, const std::string& candidate);

}  // namespace atelier::api
