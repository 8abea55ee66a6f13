// `atelier lab prove --compare-grader`: each check `on: grader` that has a twin on a host of the
// lab (the same kind and arguments, in the same task) is compared with it after every phase; a
// row each, the host's verdict as "expected" and the grader's as "got", so that a lab author sees
// where the grader's vantage point does not see what the lab's user sees.
#pragma once

#include <string>
#include <vector>

#include "common/lab/lab.h"
#include "controller/cli/prove_report.h"
#include "controller/provisioning/lab_actions.h"

namespace atelier::cli::prove {

struct Mirror {
  std::size_t task = 0;
  std::size_t on_host = 0;    // the check's index in the task
  std::size_t on_grader = 0;  // its twin's
};

std::vector<Mirror> grader_mirrors(const lab::Lab& lab);

// A row per mirror of a task checked in `outcomes` (a run of `lab` or of some of its tasks).
void add_mirror_rows(const lab::Lab& lab, const std::vector<provisioning::TaskOutcome>& outcomes,
                     const std::string& phase, std::vector<Row>& rows);

}  // namespace atelier::cli::prove
