// The libvirt console stream against the real libvirtd (qemu:///system): a tiny guest (a kernel
// and initrd whose init is /bin/sh on ttyS0) boots under TCG, its console output is read, a
// command written to it is answered, destroying the guest ends the stream, nothing is left.
#include "tests/integration/console/shell_guest.h"
#include "tests/support/test_support.h"

namespace atelier::provider {
namespace {

TEST_F(LibvirtConsoleTest, ReadsTheGuestWritesToItAndEndsWhenTheGuestStops) {
  ObjectRef host{session_, "c1", "srv"};
  start_shell_guest(host);
  Collected got;
  auto console = p_->open_console(host, got.callbacks());
  ATELIER_ASSERT_OK(console);

  // The kernel's own messages, then the shell's prompt.
  ASSERT_TRUE(got.wait_for_text("Run /bin/sh as init process", std::chrono::seconds(180)))
      << got.output;
  ASSERT_TRUE(got.wait_for_text("# ", std::chrono::seconds(120))) << got.output;
  // The shell computes 42: the answer is not an echo of what was typed.
  // "# " can show in the kernel's messages before the shell reads: type the line again until
  // its answer shows.
  bool answered = false;
  for (int attempt = 0; attempt < 12 && !answered; ++attempt) {
    ATELIER_ASSERT_OK((*console)->write("echo atelier-$((6*7))\n"));
    answered = got.wait_for_text("atelier-42", std::chrono::seconds(10));
  }
  ASSERT_TRUE(answered) << got.output;

  ATELIER_ASSERT_OK(p_->destroy_domain(host));
  ASSERT_TRUE(got.wait_closed(std::chrono::seconds(60)));
  EXPECT_FALSE(got.closed->ok());
  EXPECT_FALSE((*console)->write("x").ok()) << "a closed console refuses writes";
  (*console)->close();
  (*console)->close();  // idempotent
}

// atelierd's default console (--console log): the provisioning reads the log file, the
// candidates' browsers stream the same console. Both must see what the guest prints.
TEST_F(LibvirtConsoleTest, ALoggedConsoleIsStreamedAndItsFileKeepsWhatTheGuestPrinted) {
  ObjectRef host{session_, "c3", "srv"};
  const fs::path log = dir_.path() / "srv-console.log";
  start_shell_guest(host, {SerialConsole::Kind::kLogFile, log.string()});
  Collected got;
  auto console = p_->open_console(host, got.callbacks());
  ATELIER_ASSERT_OK(console);
  ASSERT_TRUE(got.wait_for_text("# ", std::chrono::seconds(300))) << got.output;
  bool answered = false;
  for (int attempt = 0; attempt < 12 && !answered; ++attempt) {
    ATELIER_ASSERT_OK((*console)->write("echo logged-$((6*7))\n"));
    answered = got.wait_for_text("logged-42", std::chrono::seconds(10));
  }
  ASSERT_TRUE(answered) << got.output;
  // libvirt's chardev log is written by virtlogd as the bytes pass: wait for the answer there.
  ASSERT_TRUE(test_support::wait_until(
      [&] { return test_support::read_text(log).find("logged-42") != std::string::npos; },
      std::chrono::seconds(60), "the answer in the console's log file"));
  EXPECT_NE(test_support::read_text(log).find("Run /bin/sh as init process"), std::string::npos)
      << "the boot messages printed before the stream opened are in the file";
  (*console)->close();
}

TEST_F(LibvirtConsoleTest, RefusesADomainThatIsNotRunningOrUnknown) {
  ObjectRef host{session_, "c2", "srv"};
  auto overlay = p_->create_overlay({host, base_});
  ATELIER_ASSERT_OK(overlay);
  DomainSpec spec;
  spec.ref = host;
  spec.memory_bytes = 64ull << 20;
  spec.base_path = base_;
  spec.overlay_path = overlay->path;
  ATELIER_ASSERT_OK(p_->define_domain(spec));
  Collected got;
  auto stopped = p_->open_console(host, got.callbacks());
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().code(), ErrorCode::kFailedPrecondition);
  auto unknown = p_->open_console({session_, "c2", "nohost"}, got.callbacks());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace atelier::provider
