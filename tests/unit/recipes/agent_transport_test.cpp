// AgentTransport's pure part: reading `stat -L -c '%f %u %g %s'` as the Transport's FileStat.
#include <gtest/gtest.h>

#include "ansible-free-recipes/transport/agent_transport.h"

namespace atelier::transport {
namespace {

TEST(ParseStatOutput, RegularFileDirectoryAndSetgid) {
  auto file = parse_stat_output("81a4 0 0 42\n");  // 0100644
  ASSERT_TRUE(file.ok()) << file.error().to_string();
  EXPECT_EQ(file->type, FileType::kRegular);
  EXPECT_EQ(file->mode, 0644u);
  EXPECT_EQ(file->size, 42u);

  auto dir = parse_stat_output("45f8 0 1001 4096\n");  // 042770: setgid directory
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->type, FileType::kDirectory);
  EXPECT_EQ(dir->mode, 02770u);
  EXPECT_EQ(dir->gid, 1001u);
}

TEST(ParseStatOutput, GarbageIsAnError) {
  EXPECT_FALSE(parse_stat_output("").ok());
  EXPECT_FALSE(parse_stat_output("stat: cannot stat 'x': No such file or directory").ok());
  EXPECT_FALSE(parse_stat_output("zz 0 0 1").ok());
}

}  // namespace
}  // namespace atelier::transport
