// Regular expressions for lab checks (file, command, http): RE2, a linear-time engine with no
// recursion, so no candidate-controlled text (a file of 200,000 spaces, a command's output) can
// crash or stall the agent or atelierd. One engine for the lab validator and the agent, so a
// pattern the validator accepts is one the agent runs.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace re2 {
class RE2;
}

namespace atelier::text {

class Regex {
 public:
  // Compiles pattern in RE2's syntax (Perl-like: \s \d \b, classes, groups, alternation; no
  // backreferences or lookaround) with ^ and $ matching at line boundaries. kInvalidArgument
  // names what is wrong.
  static Result<Regex> compile(std::string_view pattern);

  // The leftmost match anywhere in text, or nullopt. Linear in text's size.
  std::optional<std::string_view> search(std::string_view text) const;

 private:
  explicit Regex(std::shared_ptr<const re2::RE2> re) : re_(std::move(re)) {}
  std::shared_ptr<const re2::RE2> re_;
};

}  // namespace atelier::text
