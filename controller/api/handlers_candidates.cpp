// GET a candidate's lab, its access details and its tasks (see handlers.h and docs/api.md).
#include <boost/json.hpp>

#include "controller/api/actions_api.h"
#include "controller/api/handlers.h"

namespace atelier::api {
namespace json = boost::json;

HttpResponse handle_get_candidate(const HandlerContext& ctx) {
  auto c = ctx.store.get_candidate_lab(ctx.route.session, ctx.route.candidate);
  if (!c.ok()) return error_response(c.error());
  json::value v = candidate_json(*c);
  v.as_object()["session"] = ctx.route.session;
  return json_response(200, v);
}

HttpResponse handle_get_access(const HandlerContext& ctx) {
  const Route& route = ctx.route;
  auto c = ctx.store.get_candidate_lab(route.session, route.candidate);
  if (!c.ok()) return error_response(c.error());
  auto lab = ctx.sessions.candidate_lab(route.session, route.candidate);
  if (!lab.ok()) return error_response(lab.error());
  json::array hosts;
  for (const auto& h : lab->hosts) {
    json::array addrs;
    for (const auto& n : h.nics) {
      addrs.push_back(json::object{{"network", n.network}, {"address", n.address.to_string()}});
    }
    hosts.push_back(json::object{{"name", h.name}, {"addresses", std::move(addrs)}});
  }
  bool ready = c->status == store::LabStatus::kReady;
  json::object o{{"session", route.session},
                 {"candidate", route.candidate},
                 {"ready", ready},
                 {"status", store::to_string(c->status)},
                 {"hosts", std::move(hosts)},
                 // Console and SSH are filled from the lab's plan once it is placed.
                 {"placed_on", nullptr},
                 {"console", nullptr},
                 {"ssh", nullptr}};
  add_access_details(o, ctx.options.operations, route.session, route.candidate);
  return json_response(200, o);
}

HttpResponse handle_get_tasks(const HandlerContext& ctx) {
  auto lab = ctx.sessions.candidate_lab(ctx.route.session, ctx.route.candidate);
  if (!lab.ok()) return error_response(lab.error());
  json::array tasks;
  for (const auto& t : lab->tasks) {
    json::array comps;
    for (const auto& c : t.competencies) comps.push_back(json::value(c));
    tasks.push_back(json::object{{"id", t.id},
                                 {"title", text_json(t.ticket.title)},
                                 {"from", t.ticket.from},
                                 {"priority", lab::to_string(t.ticket.priority)},
                                 {"sla_seconds", t.ticket.sla.count()},
                                 {"points", t.points},
                                 {"competencies", std::move(comps)},
                                 {"body", text_json(t.ticket.body)}});
  }
  return json_response(200, json::object{{"session", ctx.route.session},
                                         {"candidate", ctx.route.candidate},
                                         {"lab", lab->id},
                                         {"title", text_json(lab->title)},
                                         {"tasks", std::move(tasks)}});
}

}  // namespace atelier::api
