// The new-session form's candidate list (see candidate_list.h).
#include "controller/api/candidate_list.h"

#include <algorithm>
#include <array>

namespace atelier::api {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// A field with its surrounding quotes removed and doubled quotes undone ("a ""b""" -> a "b").
std::string unquote(std::string_view field) {
  field = trim(field);
  if (field.size() < 2 || field.front() != '"' || field.back() != '"') return std::string(field);
  std::string out;
  field = field.substr(1, field.size() - 2);
  for (std::size_t i = 0; i < field.size(); ++i) {
    out.push_back(field[i]);
    if (field[i] == '"' && i + 1 < field.size() && field[i + 1] == '"') ++i;
  }
  return std::string(trim(out));
}

// The first separator outside quotes, npos when the line has one field.
std::size_t separator_at(std::string_view line) {
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') quoted = !quoted;
    if (!quoted && (line[i] == ',' || line[i] == ';' || line[i] == '\t')) return i;
  }
  return std::string_view::npos;
}

bool header_word(std::string id) {
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<std::string_view, 5> kWords = {"name", "nom", "id", "candidate",
                                                             "candidat"};
  return std::find(kWords.begin(), kWords.end(), id) != kWords.end();
}

}  // namespace

std::vector<CandidateLine> parse_candidate_list(std::string_view text) {
  std::vector<CandidateLine> out;
  bool first = true;
  while (!text.empty()) {
    std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = trim(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
    if (line.empty() || line.front() == '#') continue;
    std::size_t sep = separator_at(line);
    CandidateLine c{unquote(line.substr(0, sep)),
                    sep == std::string_view::npos ? "" : unquote(line.substr(sep + 1))};
    const bool header = first && sep != std::string_view::npos && header_word(c.id);
    first = false;
    if (!header) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace atelier::api
