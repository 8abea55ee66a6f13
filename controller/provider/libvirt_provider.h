// LibvirtProvider: the Provider on any libvirt URI (qemu:///system, qemu+ssh://host/system,
// test:///path/fixture.xml). Overlays are volumes of one directory storage pool it owns.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "controller/provider/libvirt_connection.h"
#include "controller/provider/provider.h"

namespace atelier::provider {

class LibvirtProvider final : public Provider {
 public:
  // Connects (event loop first), chooses the domain type. kUnavailable if libvirtd is not there.
  static Result<std::unique_ptr<LibvirtProvider>> connect(const LibvirtOptions& opts);
  ~LibvirtProvider() override;

  DomainType domain_type() const override { return domain_type_; }

  Status define_network(const NetworkSpec& spec) override;
  Status start_network(const ObjectRef& ref) override;
  Status destroy_network(const ObjectRef& ref) override;
  Status undefine_network(const ObjectRef& ref) override;

  Result<Overlay> create_overlay(const OverlaySpec& spec) override;
  Status delete_overlay(const ObjectRef& ref) override;

  Result<std::vector<MacAddress>> define_domain(const DomainSpec& spec) override;
  Status start_domain(const ObjectRef& ref) override;
  Status shutdown_domain(const ObjectRef& ref, std::chrono::milliseconds grace) override;
  Status destroy_domain(const ObjectRef& ref) override;
  Status undefine_domain(const ObjectRef& ref) override;
  Result<DomainState> domain_state(const ObjectRef& ref) override;
  Status reset_host(const DomainSpec& spec) override;
  Result<MacAddress> choose_mac(const ObjectRef& host, unsigned nic_index) override;
  // Implemented in libvirt_console.cpp's open_libvirt_console; this only proves ownership.
  Result<std::unique_ptr<ConsoleStream>> open_console(const ObjectRef& ref,
                                                      ConsoleCallbacks callbacks) override;
  Result<DisplayFd> open_display(const ObjectRef& ref) override;
  Status save_handover(const ObjectRef& ref) override;
  Result<bool> restore_handover(const ObjectRef& ref) override;

  Status ensure_grader(const GraderSpec& spec) override;
  Result<process::ProcessResult> run_in_grader(const ObjectRef& ref,
                                               process::ProcessSpec spec) override;
  Status remove_grader(const ObjectRef& ref) override;

  Status ping(std::chrono::milliseconds deadline) override;
  Result<std::vector<OwnedObject>> list(std::optional<std::string> session) override;
  Status destroy_session(const std::string& session) override;
  Status destroy_candidate(const std::string& session, const std::string& candidate) override;

  // Not part of Provider: the overlay path create_overlay() gives `host`.
  std::string overlay_path(const ObjectRef& host) const;
  // Not part of Provider: stops and forgets the overlay pool (never its directory or files).
  // kFailedPrecondition while it still holds atelier overlays. For tests and uninstall.
  Status remove_overlay_pool();
  // Not part of Provider: waits until calls abandoned at their deadline have finished, so that
  // a following list() or destroy_session() sees their effects. For tests and shutdown.
  void wait_for_abandoned_calls() { pool_->wait_idle(); }
  // Times the connection was (re)opened.
  unsigned connection_opens() const { return conn_->opens(); }

 private:
  explicit LibvirtProvider(const LibvirtOptions& opts);

  template <typename T>
  Result<T> call(std::string context, std::function<Result<T>(virConnectPtr)> fn);
  // The usual shape of a call about one object: checks `ref` (kInvalidArgument), then call()
  // with the context describe(what, ref) on both paths.
  template <typename T>
  Result<T> call_for(std::string_view what, const ObjectRef& ref,
                     std::function<Result<T>(virConnectPtr)> fn);

  // The operations that are the same for networks and domains; Kind is NetworkKind or
  // DomainKind (libvirt_provider.cpp), which name libvirt's functions for that kind.
  template <typename Kind>
  Status start_owned(const ObjectRef& ref);
  template <typename Kind>
  Status destroy_owned(const ObjectRef& ref);
  template <typename Kind>
  Status undefine_owned(const ObjectRef& ref);
  // Forgets the domain's hand-over snapshot (libvirt's record; its data is in the overlay the
  // caller is about to replace).
  Status drop_handover(const ObjectRef& ref);
  // destroy_session and destroy_candidate: removes `objects` (domains, overlays, networks in
  // that order), continuing past failures; the first error with a count of the others.
  Status destroy_objects(const std::vector<OwnedObject>& objects, const std::string& context);
  // The grader endpoints (network namespaces) of `session` (or all) beside a network of their
  // lab in `networks` (libvirt_provider_grader.cpp).
  std::vector<OwnedObject> list_graders(const std::vector<OwnedObject>& networks,
                                        const std::optional<std::string>& session) const;

  LibvirtOptions opts_;
  DomainType domain_type_ = DomainType::kQemu;
  bool local_host_ = false;  // URI names this machine's real hypervisor (not test://, no host)
  std::shared_ptr<LibvirtConnection> conn_;
  // Check-then-act steps that pick names (bridge, MAC) or create the overlay pool run one at a
  // time within this process; across processes the reconciler is the only writer.
  std::mutex allocate_mutex_;
  // Building and removing grader endpoints run one at a time within this process.
  std::mutex grader_mutex_;
  // Last member: destroyed first, so running calls finish while the connection still exists.
  std::unique_ptr<CallPool> pool_;
};

}  // namespace atelier::provider
