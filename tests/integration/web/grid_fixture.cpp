// Test helper for grid_browser_test.py: writes what a graded session holds into atelierd's
// state directory through the store's API (results signed with STATE_DIR/signing.key, as the
// reconciler stores the agents' results), since its atelierd runs no guests.
// usage: grid_fixture STATE_DIR SESSION SOLVED_CANDIDATE FAILED_CANDIDATE
// The solved candidate passes every check of labs/demo (T1 1 check, T2 2, T3 3) in a scheduled
// run; the failed one fails them all in an on-demand run, T1's evidence holding markup.
#include <chrono>
#include <iostream>
#include <map>
#include <string>

#include "controller/store/store.h"

using namespace std::chrono_literals;
namespace store = atelier::store;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: grid_fixture STATE_DIR SESSION SOLVED_CANDIDATE FAILED_CANDIDATE\n";
    return 2;
  }
  auto opened = store::Store::open(argv[1]);
  if (!opened.ok()) {
    std::cerr << opened.error().to_string() << "\n";
    return 1;
  }
  store::Store& s = *opened;
  const std::string session = argv[2];
  const auto t0 = store::Clock::now() - 40min;
  const std::map<std::string, int> checks = {{"T1", 1}, {"T2", 2}, {"T3", 3}};
  for (int k = 3; k <= 4; ++k) {
    const std::string candidate = argv[k];
    const bool solved = k == 3;
    auto lab = s.get_candidate_lab(session, candidate);
    if (!lab.ok()) {
      std::cerr << lab.error().to_string() << "\n";
      return 1;
    }
    lab->status = store::LabStatus::kReady;
    lab->handed_over_at = t0;
    if (auto st = s.update_candidate_lab(*lab); !st.ok()) {
      std::cerr << st.error().to_string() << "\n";
      return 1;
    }
    const std::string run = "run-" + candidate;
    const auto when = t0 + (solved ? 12min : 25min);
    for (const auto& [task, n] : checks) {
      for (int i = 0; i < n; ++i) {
        store::ResultRecord r{
            run + "/" + task + "/" + std::to_string(i),
            session,
            candidate,
            task,
            i,
            "server",
            "",
            solved ? "pass" : "fail",
            "service actif, port 22 ouvert",
            solved ? "actif" : (task == "T1" ? "<script>alert('x')</script> inactif" : "inactif"),
            run,
            when,
            when + 1s,
            when + 2s,
            solved ? "atelierd" : "a1b2c3d4e5f6 (formateur)"};
        auto added = s.add_result(r);
        if (!added.ok()) {
          std::cerr << added.error().to_string() << "\n";
          return 1;
        }
      }
    }
  }
  return 0;
}
