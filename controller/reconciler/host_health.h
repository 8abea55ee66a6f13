// What a lab says while its hypervisor host does not answer: pure, so that the words and the
// rule that clears them are tested without a libvirtd.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace atelier::reconciler {

// The error a lab placed on `host` carries while that host's libvirtd does not answer (since
// `since`, with libvirt's `reason`): the candidate's guests may still run (QEMU outlives
// libvirtd), but nothing atelierd asks of the host can be done.
std::string host_down_error(std::string_view host, std::chrono::system_clock::time_point since,
                            std::string_view reason);
// True if `error` is host_down_error's for `host`: the one error the host's recovery clears (a
// lab's provisioning error stays).
bool is_host_down_error(std::string_view error, std::string_view host);

}  // namespace atelier::reconciler
