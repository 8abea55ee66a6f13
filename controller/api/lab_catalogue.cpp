// The labs a trainer can start and what they cost (lab_catalogue.h).
#include "controller/api/lab_catalogue.h"

#include <filesystem>
#include <set>
#include <system_error>

#include "common/lab/loader.h"
#include "controller/reconciler/placement.h"

namespace atelier::api {
namespace fs = std::filesystem;

std::vector<CatalogueEntry> lab_catalogue(const sessions::SessionService& service) {
  std::error_code ec;
  std::set<std::string> folders;
  for (fs::directory_iterator it(service.options().labs_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code e2;
    if (it->is_directory(e2) && fs::is_regular_file(it->path() / "lab.yaml", e2)) {
      folders.insert(it->path().filename().string());
    }
  }
  std::vector<CatalogueEntry> out;
  for (const auto& folder : folders) {
    CatalogueEntry entry{folder, std::nullopt, ""};
    auto path = service.resolve_lab_path(folder);
    if (!path.ok()) {
      entry.error = path.error().message();
      out.push_back(std::move(entry));
      continue;
    }
    lab::LoadReport report = lab::load_lab_report(*path, service.options().load);
    if (report.ok()) {
      entry.lab = std::move(*report.lab);
    } else {
      entry.error =
          report.diagnostics.empty() ? report.to_string() : report.diagnostics.front().message;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

LabNeeds lab_needs(const lab::Lab& lab) {
  LabNeeds needs;
  std::vector<std::uint64_t> guests;
  for (const auto& h : lab.hosts) {
    guests.push_back(h.memory_bytes);
    needs.guest_memory_bytes += h.memory_bytes;
    needs.vcpus += h.vcpus;
  }
  needs.demand_bytes = reconciler::lab_demand_bytes(guests);
  return needs;
}

Result<std::map<std::string, std::uint64_t>> memory_left(store::Store& store,
                                                         const sessions::SessionService& service) {
  auto hosts = store.list_hosts();
  if (!hosts.ok()) return std::move(hosts).error();
  std::map<std::string, std::uint64_t> usable;
  for (const auto& h : *hosts) {
    if (!h.enabled || h.memory_bytes == 0) continue;
    usable[h.name] = reconciler::usable_bytes(h.memory_bytes);
  }
  if (usable.empty()) return usable;
  auto sessions = store.list_sessions();
  if (!sessions.ok()) return std::move(sessions).error();
  std::map<std::string, std::uint64_t> demand_by_lab;  // lab.yaml -> demand (one load per lab)
  for (const auto& s : *sessions) {
    auto labs = store.list_candidate_labs(s.id);
    if (!labs.ok()) return std::move(labs).error();
    for (const auto& l : *labs) {
      if (!l.host || l.status == store::LabStatus::kDestroyed || !usable.count(*l.host)) continue;
      auto known = demand_by_lab.find(s.lab_path);
      if (known == demand_by_lab.end()) {
        auto loaded = lab::load_lab(s.lab_path, service.options().load);
        // A lab file gone or broken since: its labs still run, but what they hold is unknown.
        known = demand_by_lab.emplace(s.lab_path, loaded.ok() ? lab_needs(*loaded).demand_bytes : 0)
                    .first;
      }
      std::uint64_t& left = usable[*l.host];
      left = left > known->second ? left - known->second : 0;
    }
  }
  return usable;
}

int labs_that_fit(const std::map<std::string, std::uint64_t>& left, std::uint64_t demand_bytes) {
  if (demand_bytes == 0) return 0;
  int fits = 0;
  for (const auto& [name, bytes] : left) fits += static_cast<int>(bytes / demand_bytes);
  return fits;
}

}  // namespace atelier::api
