// Recursive-descent parser and evaluator for when-expressions (grammar in expr.h).
#include "ansible-free-recipes/engine/expr.h"

#include <cctype>

namespace atelier::recipes {
namespace {

struct Token {
  enum class Kind {
    kEnd,
    kName,
    kString,
    kInt,
    kOp,
    kLParen,
    kRParen,
    kLBracket,
    kRBracket,
    kComma
  };
  Kind kind;
  std::string text;
  size_t col;
};

Result<std::vector<Token>> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  auto err = [&](size_t at, const std::string& m) {
    return Error(ErrorCode::kInvalidArgument, "column " + std::to_string(at + 1) + ": " + m);
  };
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    size_t start = i;
    if (c == '\'' || c == '"') {
      std::string text;
      ++i;
      while (i < s.size() && s[i] != c) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        text += s[i++];
      }
      if (i >= s.size()) return err(start, "unterminated string");
      ++i;
      out.push_back({Token::Kind::kString, text, start});
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '-' && i + 1 < s.size() &&
                std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      out.push_back({Token::Kind::kInt, std::string(s.substr(start, i - start)), start});
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' ||
                              s[i] == '.' || s[i] == '-'))
        ++i;
      out.push_back({Token::Kind::kName, std::string(s.substr(start, i - start)), start});
    } else if ((c == '=' || c == '!') && i + 1 < s.size() && s[i + 1] == '=') {
      i += 2;
      out.push_back({Token::Kind::kOp, std::string(s.substr(start, 2)), start});
    } else if (c == '(' || c == ')' || c == '[' || c == ']' || c == ',') {
      ++i;
      auto k = c == '('   ? Token::Kind::kLParen
               : c == ')' ? Token::Kind::kRParen
               : c == '[' ? Token::Kind::kLBracket
               : c == ']' ? Token::Kind::kRBracket
                          : Token::Kind::kComma;
      out.push_back({k, std::string(1, c), start});
    } else {
      return err(start, std::string("unexpected '") + c + "' (operators: == != and or not in)");
    }
  }
  out.push_back({Token::Kind::kEnd, "", s.size()});
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

  Result<ExprNode> parse_all() {
    auto e = parse_or();
    if (!e.ok()) return e;
    if (peek().kind != Token::Kind::kEnd) return err(peek(), "unexpected '" + peek().text + "'");
    return e;
  }

 private:
  const Token& peek() const { return t_[i_]; }
  bool is_word(const char* w) const {
    return peek().kind == Token::Kind::kName && peek().text == w;
  }
  Error err(const Token& t, const std::string& m) const {
    return Error(ErrorCode::kInvalidArgument, "column " + std::to_string(t.col + 1) + ": " + m);
  }

  Result<ExprNode> parse_or() {
    auto left = parse_and();
    if (!left.ok()) return left;
    while (is_word("or")) {
      ++i_;
      auto right = parse_and();
      if (!right.ok()) return right;
      ExprNode n{ExprNode::Kind::kOr, {}, {}, {std::move(left).value(), std::move(right).value()}};
      left = std::move(n);
    }
    return left;
  }
  Result<ExprNode> parse_and() {
    auto left = parse_not();
    if (!left.ok()) return left;
    while (is_word("and")) {
      ++i_;
      auto right = parse_not();
      if (!right.ok()) return right;
      ExprNode n{ExprNode::Kind::kAnd, {}, {}, {std::move(left).value(), std::move(right).value()}};
      left = std::move(n);
    }
    return left;
  }
  Result<ExprNode> parse_not() {
    if (is_word("not")) {
      ++i_;
      auto inner = parse_not();
      if (!inner.ok()) return inner;
      return ExprNode{ExprNode::Kind::kNot, {}, {}, {std::move(inner).value()}};
    }
    return parse_cmp();
  }
  Result<ExprNode> parse_cmp() {
    auto left = parse_atom();
    if (!left.ok()) return left;
    ExprNode::Kind kind;
    if (peek().kind == Token::Kind::kOp) {
      kind = peek().text == "==" ? ExprNode::Kind::kEq : ExprNode::Kind::kNe;
      ++i_;
    } else if (is_word("in")) {
      kind = ExprNode::Kind::kIn;
      ++i_;
    } else if (is_word("not") && t_[i_ + 1].kind == Token::Kind::kName && t_[i_ + 1].text == "in") {
      kind = ExprNode::Kind::kNotIn;
      i_ += 2;
    } else {
      return left;
    }
    auto right = parse_atom();
    if (!right.ok()) return right;
    return ExprNode{kind, {}, {}, {std::move(left).value(), std::move(right).value()}};
  }
  Result<ExprNode> parse_atom() {
    const Token& t = peek();
    switch (t.kind) {
      case Token::Kind::kLParen: {
        ++i_;
        auto e = parse_or();
        if (!e.ok()) return e;
        if (peek().kind != Token::Kind::kRParen) return err(peek(), "expected ')'");
        ++i_;
        return e;
      }
      case Token::Kind::kString:
        ++i_;
        return ExprNode{ExprNode::Kind::kLiteral, Value(t.text), {}, {}};
      case Token::Kind::kInt:
        ++i_;
        return ExprNode{
            ExprNode::Kind::kLiteral, Value(static_cast<int64_t>(std::stoll(t.text))), {}, {}};
      case Token::Kind::kLBracket: {
        ++i_;
        ExprNode list{ExprNode::Kind::kList, {}, {}, {}};
        if (peek().kind != Token::Kind::kRBracket) {
          for (;;) {
            auto item = parse_atom();
            if (!item.ok()) return item;
            list.args.push_back(std::move(item).value());
            if (peek().kind == Token::Kind::kComma) {
              ++i_;
              continue;
            }
            break;
          }
        }
        if (peek().kind != Token::Kind::kRBracket) return err(peek(), "expected ']'");
        ++i_;
        return list;
      }
      case Token::Kind::kName:
        if (t.text == "and" || t.text == "or" || t.text == "in" || t.text == "not") {
          return err(t, "expected a value before '" + t.text + "'");
        }
        ++i_;
        if (t.text == "true") return ExprNode{ExprNode::Kind::kLiteral, Value(true), {}, {}};
        if (t.text == "false") return ExprNode{ExprNode::Kind::kLiteral, Value(false), {}, {}};
        return ExprNode{ExprNode::Kind::kName, {}, t.text, {}};
      case Token::Kind::kEnd:
        return err(t, "expression ends too early");
      default:
        return err(t, "unexpected '" + t.text + "'");
    }
  }

  std::vector<Token> t_;
  size_t i_ = 0;
};

bool loose_equal(const Value& a, const Value& b) {
  if (a == b) return true;
  bool a_scalar = a.as_string() || a.as_int();
  bool b_scalar = b.as_string() || b.as_int();
  return a_scalar && b_scalar && a.to_text() == b.to_text();
}

Result<Value> eval(const ExprNode& n, const Value& ctx) {
  switch (n.kind) {
    case ExprNode::Kind::kLiteral:
      return n.literal;
    case ExprNode::Kind::kName: {
      const Value* v = lookup(ctx, n.name);
      if (!v) return Error(ErrorCode::kInvalidArgument, "unknown name '" + n.name + "'");
      return *v;
    }
    case ExprNode::Kind::kList: {
      ValueList items;
      for (const auto& a : n.args) {
        auto v = eval(a, ctx);
        if (!v.ok()) return v;
        items.push_back(std::move(v).value());
      }
      return Value(std::move(items));
    }
    case ExprNode::Kind::kNot: {
      auto v = eval(n.args[0], ctx);
      if (!v.ok()) return v;
      return Value(!v->truthy());
    }
    case ExprNode::Kind::kAnd:
    case ExprNode::Kind::kOr: {
      auto l = eval(n.args[0], ctx);
      if (!l.ok()) return l;
      bool is_and = n.kind == ExprNode::Kind::kAnd;
      if (l->truthy() != is_and) return Value(!is_and);  // short-circuit
      auto r = eval(n.args[1], ctx);
      if (!r.ok()) return r;
      return Value(r->truthy());
    }
    default:
      break;
  }
  auto l = eval(n.args[0], ctx);
  if (!l.ok()) return l;
  auto r = eval(n.args[1], ctx);
  if (!r.ok()) return r;
  if (n.kind == ExprNode::Kind::kEq) return Value(loose_equal(*l, *r));
  if (n.kind == ExprNode::Kind::kNe) return Value(!loose_equal(*l, *r));
  bool found = false;
  if (const auto* list = r->as_list()) {
    for (const auto& item : *list) found = found || loose_equal(*l, item);
  } else if (const auto* s = r->as_string()) {
    found = s->find(l->to_text()) != std::string::npos;
  } else if (const auto* m = r->as_map()) {
    found = m->count(l->to_text()) > 0;
  } else {
    return Error(
        ErrorCode::kInvalidArgument,
        std::string("'in' needs a list, a string or a map on its right, got ") + r->type_name());
  }
  return Value(n.kind == ExprNode::Kind::kIn ? found : !found);
}

}  // namespace

Result<Expr> Expr::parse(std::string_view text) {
  auto toks = tokenize(text);
  if (!toks.ok()) return std::move(toks).error();
  Parser p(std::move(toks).value());
  auto root = p.parse_all();
  if (!root.ok()) return std::move(root).error();
  Expr e;
  e.text_ = std::string(text);
  e.root_ = std::move(root).value();
  return e;
}

Result<bool> Expr::evaluate(const Value& context) const {
  auto v = eval(root_, context);
  if (!v.ok()) return std::move(v).error().context("when '" + text_ + "'");
  return v->truthy();
}

}  // namespace atelier::recipes
