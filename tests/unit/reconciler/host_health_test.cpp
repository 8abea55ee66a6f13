// What a lab says while its hypervisor host does not answer, and which errors the host's
// recovery clears (host_health.h).
#include "controller/reconciler/host_health.h"

#include <gtest/gtest.h>

namespace atelier::reconciler {
namespace {

std::chrono::system_clock::time_point at(std::time_t seconds) {
  return std::chrono::system_clock::from_time_t(seconds);
}

TEST(HostHealth, TheErrorNamesTheHostTheTimeTheReasonAndWhatWaits) {
  const std::string e = host_down_error("second", at(1796677403), "libvirt: Failed to connect");
  EXPECT_EQ(e,
            "hypervisor host second is not answering since 2026-12-07 21:03:23 UTC (libvirt: "
            "Failed to connect): the guests may still run, but resets, repairs and teardown wait "
            "until it answers");
}

TEST(HostHealth, OnlyThatHostsDownErrorIsCleared) {
  const std::string down = host_down_error("second", at(0), "gone");
  EXPECT_TRUE(is_host_down_error(down, "second"));
  EXPECT_FALSE(is_host_down_error(down, "local"));
  EXPECT_FALSE(is_host_down_error(host_down_error("second-b", at(0), "gone"), "second"));
  EXPECT_FALSE(is_host_down_error("", "second"));
  EXPECT_FALSE(is_host_down_error("boot timed out on host second", "second"));
  // A provisioning error that merely quotes the words is not the host's.
  EXPECT_FALSE(
      is_host_down_error("roles failed: hypervisor host second is not answering", "second"));
}

}  // namespace
}  // namespace atelier::reconciler
