// The `ldap` check: libldap binds (simple bind, or anonymous), searches base/filter/scope, and
// compares the number of entries and, optionally, an attribute's values.
#include <ldap.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "agent/checks/check.h"

namespace atelier::agent {

namespace {

// Every value of `attr` over the search result's entries, and the first entry's DN.
std::pair<std::vector<std::string>, std::string> attribute_values(LDAP* ld, LDAPMessage* res,
                                                                  const std::string& attr) {
  std::vector<std::string> values;
  std::string first_dn;
  for (LDAPMessage* e = ldap_first_entry(ld, res); e; e = ldap_next_entry(ld, e)) {
    if (first_dn.empty()) {
      char* dn = ldap_get_dn(ld, e);
      if (dn) {
        first_dn = dn;
        ldap_memfree(dn);
      }
    }
    berval** vals = ldap_get_values_len(ld, e, attr.c_str());
    for (int i = 0; vals && vals[i]; ++i) values.emplace_back(vals[i]->bv_val, vals[i]->bv_len);
    if (vals) ldap_value_free_len(vals);
  }
  return {std::move(values), std::move(first_dn)};
}

// What the check expects, in words: "search BASE FILTER finds an entry with ATTR=VALUE".
std::string expectation(const checks::LdapCheck& c) {
  std::string want = "search " + c.base + " " + c.filter;
  if (c.count) {
    want += " finds " + std::to_string(*c.count) + " entries";
  } else {
    want += " finds an entry";
  }
  if (c.attribute) want += " with " + *c.attribute + (c.value ? "=" + *c.value : " set");
  return want;
}

}  // namespace

Evidence run_ldap(const checks::LdapCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  const std::string want = expectation(c);
  LDAP* ld = nullptr;
  int rc = ldap_initialize(&ld, c.url.c_str());
  if (rc != LDAP_SUCCESS)
    return error_evidence(want, "ldap_initialize " + c.url + ": " + ldap_err2string(rc));
  int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  timeval tv{static_cast<time_t>(ctx.timeout.count() / 1000),
             static_cast<suseconds_t>((ctx.timeout.count() % 1000) * 1000)};
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
  ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  struct Closer {
    LDAP* ld;
    ~Closer() { ldap_unbind_ext_s(ld, nullptr, nullptr); }
  } closer{ld};

  berval cred{};
  std::string password = c.password.value_or("");
  cred.bv_val = password.data();
  cred.bv_len = password.size();
  rc = ldap_sasl_bind_s(ld, c.bind_dn ? c.bind_dn->c_str() : nullptr, LDAP_SASL_SIMPLE, &cred,
                        nullptr, nullptr, nullptr);
  if (rc != LDAP_SUCCESS) {
    std::string who = c.bind_dn ? "bind as " + *c.bind_dn : "anonymous bind";
    const bool refused = rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH ||
                         rc == LDAP_UNWILLING_TO_PERFORM;
    ev.expect(want, who + (refused ? " refused: " : " failed: ") + ldap_err2string(rc), false);
    return ev.finish();
  }
  int scope = c.scope == checks::LdapScope::kBase  ? LDAP_SCOPE_BASE
              : c.scope == checks::LdapScope::kOne ? LDAP_SCOPE_ONELEVEL
                                                   : LDAP_SCOPE_SUBTREE;
  std::vector<char*> attrs;
  std::string attr = c.attribute.value_or("");
  if (c.attribute) attrs.push_back(attr.data());
  attrs.push_back(nullptr);
  LDAPMessage* res = nullptr;
  rc = ldap_search_ext_s(ld, c.base.c_str(), scope, c.filter.c_str(),
                         c.attribute ? attrs.data() : nullptr, 0, nullptr, nullptr, &tv, 0, &res);
  struct Freer {
    LDAPMessage* m;
    ~Freer() {
      if (m) ldap_msgfree(m);
    }
  } freer{res};
  if (rc == LDAP_NO_SUCH_OBJECT) {
    ev.expect(want, "no such base " + c.base, c.count && *c.count == 0);
    return ev.finish();
  }
  if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
    ev.expect(want, "", false);
    return ev.error("search " + c.base + ": " + ldap_err2string(rc));
  }
  int count = ldap_count_entries(ld, res);
  std::string seen = std::to_string(count) + " entries";
  bool ok = c.count ? count == *c.count : count > 0;
  if (c.attribute && count > 0) {
    auto [values, first_dn] = attribute_values(ld, res, *c.attribute);
    std::string list;
    for (const auto& v : values) list += (list.empty() ? "" : ", ") + v;
    seen += " (first " + first_dn + "), " + *c.attribute + ": " +
            (values.empty() ? std::string("none") : quote(list, 300));
    if (c.value) {
      ok = ok && std::find(values.begin(), values.end(), *c.value) != values.end();
    } else {
      ok = ok && !values.empty();
    }
  }
  ev.expect(want, seen, ok);
  return ev.finish();
}

}  // namespace atelier::agent
