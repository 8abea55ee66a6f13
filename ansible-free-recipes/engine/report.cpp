// Text and JSON renderings of run reports.
#include "ansible-free-recipes/engine/report.h"

#include <boost/json.hpp>
#include <sstream>

namespace atelier::recipes {
namespace {

boost::json::value to_json(const Value& v) {
  if (auto b = v.as_bool()) return *b;
  if (auto i = v.as_int()) return *i;
  if (auto s = v.as_string()) return boost::json::string(*s);
  if (auto l = v.as_list()) {
    boost::json::array a;
    for (const auto& x : *l) a.push_back(to_json(x));
    return a;
  }
  if (auto m = v.as_map()) {
    boost::json::object o;
    for (const auto& [k, x] : *m) o[k] = to_json(x);
    return o;
  }
  return nullptr;
}

std::string pad(const std::string& s, size_t w) {
  if (s.size() > w) return s.substr(0, w - 1) + "~";
  return s + std::string(w - s.size(), ' ');
}

double seconds(std::chrono::milliseconds ms) {
  return std::chrono::duration<double>(ms).count();
}

}  // namespace

std::string render_text(const std::vector<HostReport>& reports, bool show_diff) {
  std::ostringstream out;
  Summary total;
  for (const auto& h : reports) {
    out << "== " << h.target << "\n";
    if (h.error) {
      out << "   FAILED: " << h.error->to_string() << "\n\n";
      continue;
    }
    out << "   " << pad("STATUS", 8) << " " << pad("OP", 10) << " " << pad("STEP", 44) << " "
        << pad("TIME", 7) << " MESSAGE\n";
    for (const auto& s : h.steps) {
      char secs[16];
      std::snprintf(secs, sizeof(secs), "%.2fs", seconds(s.elapsed));
      out << "   " << pad(to_string(s.status), 8) << " " << pad(s.op, 10) << " "
          << pad((s.handler ? "(handler) " : "") + s.name, 44) << " " << pad(secs, 7) << " "
          << s.message << "\n";
      if (show_diff && !s.diff.empty() && s.status != StepStatus::kOk) {
        std::istringstream d(s.diff);
        std::string l;
        while (std::getline(d, l)) out << "        | " << l << "\n";
      }
    }
    out << h.target << ": " << h.summary.to_string() << " (" << seconds(h.elapsed) << " s)\n\n";
    total += h.summary;
  }
  if (reports.size() > 1) {
    int unreachable = 0;
    for (const auto& h : reports) unreachable += h.error ? 1 : 0;
    out << "total: " << total.to_string() << " unreachable=" << unreachable << "\n";
  }
  return out.str();
}

std::string render_json(const std::vector<HostReport>& reports) {
  boost::json::array hosts;
  Summary total;
  for (const auto& h : reports) {
    boost::json::object o;
    o["target"] = h.target;
    o["error"] = h.error ? boost::json::value(h.error->to_string()) : boost::json::value(nullptr);
    o["facts"] = to_json(Value(h.facts));
    boost::json::array steps;
    for (const auto& s : h.steps) {
      steps.push_back(boost::json::object{{"name", s.name},
                                          {"op", s.op},
                                          {"handler", s.handler},
                                          {"status", to_string(s.status)},
                                          {"message", s.message},
                                          {"diff", s.diff},
                                          {"ms", s.elapsed.count()}});
    }
    o["steps"] = std::move(steps);
    o["summary"] = boost::json::object{{"ok", h.summary.ok},
                                       {"changed", h.summary.changed},
                                       {"failed", h.summary.failed},
                                       {"skipped", h.summary.skipped}};
    o["seconds"] = seconds(h.elapsed);
    total += h.summary;
    hosts.push_back(std::move(o));
  }
  boost::json::object root;
  root["hosts"] = std::move(hosts);
  root["summary"] = boost::json::object{{"ok", total.ok},
                                        {"changed", total.changed},
                                        {"failed", total.failed},
                                        {"skipped", total.skipped}};
  return boost::json::serialize(root) + "\n";
}

}  // namespace atelier::recipes
