// when-expressions: a small language over facts, parameters and registered results.
//   expr   := or ;  or := and ("or" and)* ;  and := not ("and" not)* ;  not := "not" not | cmp
//   cmp    := atom [("==" | "!=" | "in" | "not in") atom]
//   atom   := "(" expr ")" | 'string' | "string" | integer | true | false | [atom, ...] | name
// A name is dotted (facts.init, domain, result.rc). == between a string and an int compares their
// text ("12" == 12 is true). `x in y`: y a list -> membership, a string -> substring, a map -> key.
// A bare value is true unless false, 0, "", [], {}. An unknown name is an error at run time.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ansible-free-recipes/engine/value.h"
#include "common/result.h"

namespace atelier::recipes {

struct ExprNode {
  enum class Kind { kLiteral, kName, kList, kNot, kAnd, kOr, kEq, kNe, kIn, kNotIn };
  Kind kind = Kind::kLiteral;
  Value literal;     // kLiteral
  std::string name;  // kName
  std::vector<ExprNode> args;
};

class Expr {
 public:
  // Parses; errors say "column C: ..." (1-based, within the expression text).
  static Result<Expr> parse(std::string_view text);
  Result<bool> evaluate(const Value& context) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  ExprNode root_;
};

}  // namespace atelier::recipes
