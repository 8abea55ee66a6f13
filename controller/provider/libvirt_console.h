// The libvirt ConsoleStream: a domain's serial console on a non-blocking virStream driven by
// libvirt's default event loop (LibvirtEventLoop), so no thread blocks per console.
#pragma once

#include <libvirt/libvirt.h>

#include <memory>

#include "controller/provider/libvirt_connection.h"
#include "controller/provider/provider.h"

namespace atelier::provider {

// Opens `dom`'s first console on a new stream of `conn` and registers the stream with the event
// loop (which must be running: LibvirtConnection holds it). Makes blocking libvirt calls: run it
// on a pool worker. `dom` is borrowed; the stream holds its own reference to the connection.
// Errors come from lc.last_error (a driver without consoles -> kFailedPrecondition).
Result<std::unique_ptr<ConsoleStream>> open_libvirt_console(const ConnPtr& conn,
                                                            LibvirtConnection& lc, virDomainPtr dom,
                                                            ConsoleCallbacks callbacks);

}  // namespace atelier::provider
