// Shared helpers of the reconciler and the trainer's actions (see lab_runtime.h).
#include "controller/reconciler/lab_runtime.h"

namespace atelier::reconciler {

Status update_lab(store::Store& store, const std::string& session, const std::string& candidate,
                  const std::function<void(store::CandidateLabRecord&)>& change) {
  auto rec = store.get_candidate_lab(session, candidate);
  if (!rec.ok()) return std::move(rec).error();
  change(*rec);
  rec->updated_at = store::Clock::now();
  return store.update_candidate_lab(*rec);
}

void log_failure(const LabRegistry& registry, const Status& st, std::string_view what,
                 const std::string& fields) {
  if (st.ok()) return;
  registry.log("warn", what,
               (fields.empty() ? "" : fields + " ") + "error=\"" + st.error().to_string() + "\"");
}

}  // namespace atelier::reconciler
