// GET /labs: the labs a trainer can start, each with what one candidate's lab needs (its hosts'
// memory and vCPUs, placement's count on a host) and how many more the hypervisor hosts take now,
// so that a trainer can size a room before creating a session (lab_catalogue.h).
#include <boost/json.hpp>

#include "controller/api/handlers.h"
#include "controller/api/lab_catalogue.h"
#include "controller/reconciler/placement.h"

namespace atelier::api {
namespace json = boost::json;

namespace {

json::object lab_json(const std::string& id, const lab::Lab& lab, const LabNeeds& needs) {
  json::array hosts;
  for (const auto& h : lab.hosts) {
    hosts.push_back(json::object{{"name", h.name},
                                 {"image", h.image},
                                 {"memory_bytes", h.memory_bytes},
                                 {"vcpus", h.vcpus}});
  }
  json::array competencies;
  for (const auto& c : lab.competencies) competencies.emplace_back(c);
  return json::object{{"id", id},
                      {"title", json::object{{"fr", lab.title.fr}, {"en", lab.title.en}}},
                      {"competencies", std::move(competencies)},
                      {"duration_seconds", lab.duration.count()},
                      {"hosts", std::move(hosts)},
                      {"guest_memory_bytes", needs.guest_memory_bytes},
                      {"vcpus", needs.vcpus},
                      {"demand_bytes", needs.demand_bytes}};
}

}  // namespace

HttpResponse handle_list_labs(const HandlerContext& ctx) {
  auto left = memory_left(ctx.store, ctx.sessions);
  if (!left.ok()) return error_response(left.error());
  auto hosts = ctx.store.list_hosts();
  if (!hosts.ok()) return error_response(hosts.error());
  json::array hypervisors;
  for (const auto& h : *hosts) {
    if (!left->count(h.name)) continue;  // disabled, or not read by the reconciler yet
    hypervisors.push_back(json::object{{"name", h.name},
                                       {"memory_bytes", h.memory_bytes},
                                       {"vcpus", h.vcpus},
                                       {"usable_bytes", reconciler::usable_bytes(h.memory_bytes)},
                                       {"left_bytes", left->at(h.name)}});
  }
  json::array labs;
  json::array broken;
  for (const auto& entry : lab_catalogue(ctx.sessions)) {
    if (!entry.lab) {
      broken.push_back(json::object{{"id", entry.folder}, {"error", entry.error}});
      continue;
    }
    const LabNeeds needs = lab_needs(*entry.lab);
    json::object item = lab_json(entry.folder, *entry.lab, needs);
    // null until the reconciler has read a host: "none fit" would be a guess.
    if (hypervisors.empty()) {
      item["fits"] = nullptr;
    } else {
      item["fits"] = labs_that_fit(*left, needs.demand_bytes);
    }
    labs.push_back(std::move(item));
  }
  return json_response(200, json::object{{"labs", std::move(labs)},
                                         {"broken", std::move(broken)},
                                         {"hypervisors", std::move(hypervisors)}});
}

}  // namespace atelier::api
