// Reads the competency reference list with yaml-cpp; exceptions stay inside this file.
#include "controller/grading/competencies.h"

#include <yaml-cpp/yaml.h>

#include "common/data/competencies.h"

namespace atelier::grading {

lab::Text CompetencyCatalog::name(std::string_view code) const {
  auto it = names.find(std::string(code));
  return it == names.end() ? lab::Text{} : it->second;
}

Result<CompetencyCatalog> parse_competency_catalog(std::string_view yaml_text) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    const YAML::Node list = root["competencies"];
    if (!list || !list.IsSequence()) {
      return Error(ErrorCode::kInvalidArgument, "expected a `competencies:` list");
    }
    CompetencyCatalog catalog;
    for (const auto& item : list) {
      if (!item.IsMap() || !item["code"]) {
        return Error(ErrorCode::kInvalidArgument, "every competency needs a `code`");
      }
      lab::Text text;
      if (item["fr"]) text.fr = item["fr"].as<std::string>();
      if (item["en"]) text.en = item["en"].as<std::string>();
      catalog.names[item["code"].as<std::string>()] = std::move(text);
    }
    return catalog;
  } catch (const YAML::Exception& e) {
    return Error(ErrorCode::kInvalidArgument, std::string("competencies YAML: ") + e.what());
  }
}

Result<CompetencyCatalog> builtin_competency_catalog() {
  auto catalog = parse_competency_catalog(data::kCompetenciesYaml);
  if (!catalog) return std::move(catalog).error().context("read the built-in competency list");
  return catalog;
}

}  // namespace atelier::grading
