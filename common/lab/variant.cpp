// Per-candidate values (SplitMix64 streams) and template substitution over a whole lab.
#include "common/lab/variant.h"

#include <algorithm>

#include "common/lab/check_fields.h"
#include "common/lab/loader.h"

namespace atelier::lab {

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::uint64_t SplitMix64::below(std::uint64_t bound) {
  assert(bound > 0);
  // Rejection: draws in the last incomplete block of size `bound` are redrawn (no modulo bias).
  std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % bound);
  while (true) {
    std::uint64_t x = next();
    if (x < limit) return x % bound;
  }
}

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

namespace {
// No 0/O, 1/l/I: passwords are read from a ticket and typed by hand.
constexpr std::string_view kPasswordAlphabet =
    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
}  // namespace

std::vector<std::pair<std::string, std::string>> draw_variables(const Lab& lab,
                                                                std::string_view candidate,
                                                                std::uint64_t seed) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& v : lab.variables) {
    SplitMix64 rng(fnv1a64(std::string(candidate) + "\n" + v.name) ^ seed);
    std::string value;
    if (const auto* c = std::get_if<ChoiceVariable>(&v.kind)) {
      if (!c->values.empty()) value = c->values[rng.below(c->values.size())];
    } else if (const auto* p = std::get_if<PasswordVariable>(&v.kind)) {
      for (int i = 0; i < p->length; ++i)
        value += kPasswordAlphabet[rng.below(kPasswordAlphabet.size())];
    } else if (const auto* r = std::get_if<RangeVariable>(&v.kind)) {
      auto span = static_cast<std::uint64_t>(r->max - r->min) + 1;
      value = std::to_string(r->min +
                             static_cast<std::int64_t>(span == 0 ? rng.next() : rng.below(span)));
    }
    out.emplace_back(v.name, std::move(value));
  }
  return out;
}

std::string substitute(std::string_view text,
                       const std::vector<std::pair<std::string, std::string>>& values,
                       std::vector<std::string>* unknown) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    std::size_t open = text.find("{{", pos);
    std::size_t close = open == std::string_view::npos ? open : text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      out.append(text.substr(pos));
      return out;
    }
    out.append(text.substr(pos, open - pos));
    std::string_view name = text.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    auto it = std::find_if(values.begin(), values.end(),
                           [&](const auto& kv) { return kv.first == name; });
    if (it != values.end()) {
      out += it->second;
    } else {
      if (unknown) unknown->emplace_back(name);
      out.append(text.substr(open, close + 2 - open));
    }
    pos = close + 2;
  }
}

namespace {

struct Substituter {
  const std::vector<std::pair<std::string, std::string>>& values;
  std::vector<std::string> unknown;

  void operator()(std::string& s) {
    if (s.find("{{") != std::string::npos) s = substitute(s, values, &unknown);
  }
  void operator()(std::optional<std::string>& s) {
    if (s) (*this)(*s);
  }
  void operator()(std::vector<std::string>& v) {
    for (auto& s : v) (*this)(s);
  }
  void operator()(std::vector<std::vector<std::string>>& rows) {
    for (auto& r : rows) (*this)(r);
  }
  void operator()(Text& t) {
    (*this)(t.fr);
    (*this)(t.en);
  }
  void operator()(Value& v) {
    (*this)(v.scalar);
    for (auto& item : v.items) (*this)(item);
    for (auto& f : v.fields) (*this)(f.value);
  }
  void operator()(Params& ps) {
    for (auto& p : ps) (*this)(p.value);
  }
  template <class T>
  void operator()(T&) {}  // numbers, booleans, enums: never templated

  // The check_fields.h visitor interface.
  template <class T>
  void req(std::string_view, T& field) {
    (*this)(field);
  }
  template <class T>
  void opt(std::string_view, T& field) {
    (*this)(field);
  }
};

}  // namespace

Result<Lab> resolve(const Lab& lab, std::string_view candidate, std::uint64_t seed) {
  auto values = draw_variables(lab, candidate, seed);
  Lab out = lab;
  out.variant = VariantValues{std::string(candidate), seed, values};
  values.emplace_back("candidate", std::string(candidate));
  values.emplace_back("lab", lab.id);
  values.emplace_back("seed", std::to_string(seed));
  for (const auto& h : lab.hosts) {
    if (!h.nics.empty())
      values.emplace_back("host." + h.name + ".ip", h.nics.front().address.to_string());
    for (const auto& nic : h.nics) {
      values.emplace_back("host." + h.name + ".ip." + nic.network, nic.address.to_string());
    }
  }
  for (const auto& n : lab.networks) {
    values.emplace_back("network." + n.name + ".cidr", n.cidr.to_string());
    values.emplace_back("network." + n.name + ".netmask", n.cidr.netmask().to_string());
    values.emplace_back("network." + n.name + ".prefix", std::to_string(n.cidr.prefix_length));
  }
  Substituter sub{values, {}};
  sub(out.title);
  if (out.description) sub(*out.description);
  for (auto& h : out.hosts) sub(h.vars);
  for (auto& inc : out.incidents) sub(inc.with);
  for (auto& step : out.solution) sub(step.with);
  for (auto& t : out.tasks) {
    sub(t.ticket.title);
    sub(t.ticket.from);
    sub(t.ticket.body);
    for (auto& c : t.checks) {
      sub(c.description);
      std::visit([&](auto& kind) { checks::visit_fields(kind, sub); }, c.kind);
    }
    for (auto& miss : t.near_misses) {
      sub(miss.description);
      sub(miss.with);
    }
  }
  // A flow to a host of the lab goes to that host's address on a network it shares with the
  // host the check runs on (else its first address): agents get addresses, not lab names.
  for (auto& t : out.tasks) {
    for (auto& c : t.checks) {
      auto* flow = std::get_if<checks::FlowCheck>(&c.kind);
      const Host* target = flow ? out.host(flow->to) : nullptr;
      if (!target || target->nics.empty()) continue;
      const Host* from = out.host(c.on);
      const Nic* chosen = &target->nics.front();
      for (const auto& nic : target->nics) {
        if (from && from->nic(nic.network)) {
          chosen = &nic;
          break;
        }
      }
      flow->to = chosen->address.to_string();
    }
  }
  if (!sub.unknown.empty()) {
    std::string names;
    for (const auto& n : sub.unknown) names += (names.empty() ? "" : ", ") + ("{{" + n + "}}");
    return Error(ErrorCode::kInvalidArgument, "unknown templates in lab '" + lab.id + "': " + names)
        .context("resolve lab '" + lab.id + "' for candidate '" + std::string(candidate) + "'");
  }
  return out;
}

}  // namespace atelier::lab
