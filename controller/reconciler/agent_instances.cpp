// See agent_instances.h.
#include "controller/reconciler/agent_instances.h"

namespace atelier::reconciler {

using provisioning::KnownInstances;

Result<KnownInstances> load_agent_instances(store::Store& store, const std::string& session,
                                            const std::string& candidate, const lab::Lab& model) {
  KnownInstances out;
  for (const auto& host : model.hosts) {
    auto rec = store.get_agent_instance(session, candidate, host.name);
    if (!rec.ok()) return std::move(rec).error().context("read the agent instance of " + host.name);
    out[host.name] = *rec ? std::optional<protocol::AgentInstance>(protocol::AgentInstance{
                                (*rec)->nonce, (*rec)->started_unix_ms, (*rec)->boot_id})
                          : std::nullopt;
  }
  return out;
}

Status save_agent_instances(store::Store& store, const std::string& session,
                            const std::string& candidate, const KnownInstances& known) {
  for (const auto& [host, instance] : known) {
    if (!instance) continue;
    ATELIER_RETURN_IF_ERROR(store.put_agent_instance(
        session, candidate, host,
        store::AgentInstanceRecord{instance->nonce, instance->started_unix_ms, instance->boot_id}));
  }
  return ok_status();
}

KnownInstances after_restart(const KnownInstances& hello, const KnownInstances& recorded) {
  KnownInstances out = hello;
  for (const auto& [host, instance] : recorded) {
    if (instance) out[host] = instance;
  }
  return out;
}

Status settle_agent_instances(store::Store& store, const std::string& session,
                              const std::string& candidate, const lab::Lab& model,
                              provisioning::CandidateLab& lab, bool adopted) {
  KnownInstances known = known_instances(lab, model);
  if (adopted) {
    auto recorded = load_agent_instances(store, session, candidate, model);
    if (!recorded.ok()) return std::move(recorded).error();
    known = after_restart(known, *recorded);
    remember_instances(lab, known);
  }
  return save_agent_instances(store, session, candidate, known);
}

KnownInstances known_instances(const provisioning::CandidateLab& lab, const lab::Lab& model) {
  KnownInstances out;
  for (const auto& host : model.hosts) out[host.name] = lab.known_instance(host.name);
  return out;
}

void remember_instances(provisioning::CandidateLab& lab, const KnownInstances& known) {
  for (const auto& [host, instance] : known) lab.remember_instance(host, instance);
}

}  // namespace atelier::reconciler
