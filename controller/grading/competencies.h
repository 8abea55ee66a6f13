// The competency names (C01..C19) that grades and reports show next to their codes, read from
// the compiled-in copy of common/data/competencies.yaml.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/lab/lab.h"
#include "common/result.h"

namespace atelier::grading {

struct CompetencyCatalog {
  std::map<std::string, lab::Text> names;  // code -> name, both languages
  // The name of `code`, or an empty Text when the code is unknown.
  lab::Text name(std::string_view code) const;
};

// Parses the competencies YAML (the `competencies:` list; `assessment:` is not a competency).
// kInvalidArgument when the text is not that shape.
Result<CompetencyCatalog> parse_competency_catalog(std::string_view yaml_text);

// The catalog from the compiled-in list (data::kCompetenciesYaml).
Result<CompetencyCatalog> builtin_competency_catalog();

}  // namespace atelier::grading
