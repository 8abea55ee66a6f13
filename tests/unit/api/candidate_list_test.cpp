// The new-session form's candidate list parser (controller/api/candidate_list.h), row by row.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "controller/api/candidate_list.h"

namespace atelier::api {
namespace {

struct Row {
  std::string text;
  std::vector<std::pair<std::string, std::string>> want;  // (id, display)
};

TEST(CandidateListTest, LinesAndPastedCsv) {
  const Row rows[] = {
      {"", {}},
      {"alice\nbob", {{"alice", ""}, {"bob", ""}}},
      {"  alice \r\n\r\n\tbob\r\n", {{"alice", ""}, {"bob", ""}}},  // blanks and CRLF
      {"# groupe du matin\nalice", {{"alice", ""}}},                // comments
      {"alice,Alice Martin\nbob;Bob\ncarol\tCarol",
       {{"alice", "Alice Martin"}, {"bob", "Bob"}, {"carol", "Carol"}}},
      {"name,display name\nalice,Alice", {{"alice", "Alice"}}},  // a header is skipped
      {"Nom;Nom affiché\nalice;Alice", {{"alice", "Alice"}}},
      {"name\nalice", {{"name", ""}, {"alice", ""}}},  // one field: not a header
      {"alice,Alice\nname,Name", {{"alice", "Alice"}, {"name", "Name"}}},  // only the first line
      {"\"bob\",\"Bob, \"\"Jr\"\"\"", {{"bob", "Bob, \"Jr\""}}},           // quotes, doubled quotes
      {"Bob", {{"Bob", ""}}},  // ids are the service's to judge
      {"alice,", {{"alice", ""}}},
  };
  for (const auto& r : rows) {
    auto got = parse_candidate_list(r.text);
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& c : got) pairs.emplace_back(c.id, c.display);
    EXPECT_EQ(pairs, r.want) << "input: " << r.text;
  }
}

}  // namespace
}  // namespace atelier::api
