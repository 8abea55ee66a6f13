// The `firewall` check: an nftables table, chain (with policy) or rule is present, read from
// `nft -j list ruleset` (parsed, never changed). A rule matches when its rendered text
// contains the check's `rule` text ("tcp dport 25 accept").
#include "agent/checks/check.h"
#include "agent/checks/parsers.h"
#include "common/process/run_process.h"

namespace atelier::agent {

Evidence evaluate_firewall(const checks::FirewallCheck& c, const NftRuleset& rs);

Evidence evaluate_firewall(const checks::FirewallCheck& c, const NftRuleset& rs) {
  EvidenceBuilder ev;
  std::string table = c.family + " " + c.table;
  bool has_table = false;
  for (const auto& t : rs.tables)
    has_table = has_table || (t.first == c.family && t.second == c.table);
  std::string what = "table " + table;
  if (c.chain) what += " chain " + *c.chain;
  if (c.policy) what += " policy " + *c.policy;
  if (c.rule) what += " rule " + quote(*c.rule);
  if (!has_table) {
    ev.expect(c.present ? what : "no " + what, "no table " + table, !c.present);
    return ev.finish();
  }
  if (!c.chain) {
    bool found = true;
    std::string seen = "table " + table + " present";
    if (c.rule) {
      found = false;
      for (const auto& r : rs.rules) {
        if (r.family == c.family && r.table == c.table &&
            r.text.find(*c.rule) != std::string::npos) {
          found = true;
          seen = "rule in chain " + r.chain + ": " + quote(r.text);
          break;
        }
      }
      if (!found) seen = "no rule of table " + table + " contains " + quote(*c.rule);
    }
    ev.expect(c.present ? what : "no " + what, seen, found == c.present);
    return ev.finish();
  }
  const NftChain* chain = nullptr;
  for (const auto& ch : rs.chains) {
    if (ch.family == c.family && ch.table == c.table && ch.name == *c.chain) chain = &ch;
  }
  if (!chain) {
    ev.expect(c.present ? what : "no " + what, "no chain " + *c.chain + " in table " + table,
              !c.present);
    return ev.finish();
  }
  bool found = true;
  std::string seen =
      "chain " + *c.chain + (chain->policy.empty() ? "" : " policy " + chain->policy);
  if (c.policy && chain->policy != *c.policy) found = false;
  if (c.rule) {
    bool rule_found = false;
    std::string rules;
    for (const auto& r : rs.rules) {
      if (r.family != c.family || r.table != c.table || r.chain != *c.chain) continue;
      rules += (rules.empty() ? "" : " | ") + r.text;
      if (r.text.find(*c.rule) != std::string::npos) rule_found = true;
    }
    seen += rule_found ? ", rule " + quote(*c.rule) + " present"
                       : ", no rule contains " + quote(*c.rule) +
                             " (rules: " + (rules.empty() ? "none" : quote(rules, 400)) + ")";
    found = found && rule_found;
  }
  ev.expect(c.present ? what : "no " + what, seen, found == c.present);
  return ev.finish();
}

Evidence run_firewall(const checks::FirewallCheck& c, const CheckContext& ctx) {
  auto r = process::run_process({{"nft", "-j", "list", "ruleset"}, {}, "", "", ctx.timeout});
  if (!r || r->exit_code != 0) {
    return error_evidence("table " + c.family + " " + c.table,
                          "nft -j list ruleset: " + (r ? r->err : r.error().to_string()));
  }
  auto rs = parse_nft_json(r->out.empty() ? "{\"nftables\":[]}" : r->out);
  if (!rs) return error_evidence("table " + c.family + " " + c.table, rs.error().to_string());
  return evaluate_firewall(c, *rs);
}

}  // namespace atelier::agent
