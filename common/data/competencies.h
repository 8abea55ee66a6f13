// The competency reference list (C01..C19 and the EPREUVE assessment), compiled in.
#pragma once

namespace atelier::data {
// The verbatim text of common/data/competencies.yaml (a copy of shared/reference's list).
extern const char* const kCompetenciesYaml;
}  // namespace atelier::data
