// Table tests of atelier's libvirt naming: ids, names, bridges, MACs.
#include "controller/provider/naming.h"

#include <gtest/gtest.h>

#include <set>

namespace atelier::provider {
namespace {

struct RefCase {
  ObjectRef ref;
  bool valid;
};

TEST(Naming, ValidatesIds) {
  const RefCase cases[] = {
      {{"s1", "c03", "lan"}, true},
      {{"s1", "c03", "web-01"}, true},
      {{"exam_2026", "alice_m", "db"}, true},
      {{"", "c03", "lan"}, false},
      {{"s-1", "c03", "lan"}, false},  // '-' would make names ambiguous
      {{"s1", "c-03", "lan"}, false},
      {{"S1", "c03", "lan"}, false},   // upper case
      {{"s1", "c03", "-lan"}, false},  // must start with a letter or digit
      {{"s1", "c03", "lan/x"}, false},
      {{"s1", "c03", "l an"}, false},
      {{std::string(24, 'a'), "c", "x"}, true},
      {{std::string(25, 'a'), "c", "x"}, false},
      {{"s", "c", std::string(40, 'x')}, true},
      {{"s", "c", std::string(41, 'x')}, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(validate_ref(c.ref).ok(), c.valid)
        << c.ref.session << "/" << c.ref.candidate << "/" << c.ref.object;
  }
  Status bad = validate_ref({"s1", "C3", "lan"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("candidate id \"C3\""), std::string::npos);
}

TEST(Naming, LibvirtNamesRoundTrip) {
  const ObjectRef refs[] = {
      {"s1", "c03", "lan"}, {"s1", "c03", "web-front-1"}, {"a_b", "c_d", "e"}};
  for (const auto& ref : refs) {
    std::string name = libvirt_name(ref);
    EXPECT_EQ(name, "atelier-" + ref.session + "-" + ref.candidate + "-" + ref.object);
    auto parsed = parse_libvirt_name(name);
    ASSERT_TRUE(parsed.has_value()) << name;
    EXPECT_EQ(*parsed, ref);
    auto vol = parse_overlay_volume_name(overlay_volume_name(ref));
    ASSERT_TRUE(vol.has_value());
    EXPECT_EQ(*vol, ref);
  }
}

TEST(Naming, RejectsForeignNames) {
  for (std::string_view name : {"default", "atelier-", "atelier-s1", "atelier-s1-c1",
                                "atelier-s1-c1-", "atelierx-s1-c1-lan", "atelier-S1-c1-lan"}) {
    EXPECT_FALSE(parse_libvirt_name(name).has_value()) << name;
  }
  EXPECT_FALSE(parse_overlay_volume_name("atelier-s1-c1-web.raw").has_value());
  EXPECT_FALSE(parse_overlay_volume_name("base.qcow2").has_value());
}

TEST(Naming, BridgeNamesFitTheKernelLimitAndDiffer) {
  std::set<std::string> seen;
  for (const char* session : {"s1", "s2", "exam_2026_spring_group1"}) {
    for (const char* candidate : {"c01", "c02", "c03", "a_rather_long_candidate"}) {
      for (const char* net : {"lan", "dmz", "a-very-long-network-name-of-forty-chars"}) {
        std::string br = derive_bridge_name({session, candidate, net}, 0);
        EXPECT_EQ(br.size(), 15u) << br;  // IFNAMSIZ - 1
        EXPECT_TRUE(br.starts_with("atl")) << br;
        EXPECT_TRUE(seen.insert(br).second) << "collision " << br;
      }
    }
  }
  ObjectRef lan{"s1", "c03", "lan"};
  EXPECT_EQ(derive_bridge_name(lan, 0), derive_bridge_name(lan, 0));  // deterministic
  EXPECT_NE(derive_bridge_name(lan, 0), derive_bridge_name(lan, 1));  // salt moves it
}

TEST(Naming, HashSeparatesParts) {
  EXPECT_NE(name_hash({"ab", "c"}), name_hash({"a", "bc"}));
  EXPECT_EQ(name_hash({"a", "b"}), name_hash({"a", "b"}));
}

TEST(Naming, MacsAreLocallyAdministeredUnicastAndDeterministic) {
  std::set<std::string> seen;
  for (const char* candidate : {"c01", "c02", "c03"}) {
    for (const char* host : {"router", "mail", "client"}) {
      for (unsigned nic = 0; nic < 3; ++nic) {
        MacAddress mac = derive_mac({"s1", candidate, host}, nic, 0);
        EXPECT_EQ(mac.bytes[0], 0x5a);
        EXPECT_EQ(mac.bytes[1], 0x7e);
        EXPECT_EQ(mac.bytes[0] & 0x02, 0x02) << "locally administered";
        EXPECT_EQ(mac.bytes[0] & 0x01, 0x00) << "unicast";
        EXPECT_TRUE(seen.insert(mac.to_string()).second);
      }
    }
  }
  ObjectRef host{"s1", "c01", "mail"};
  EXPECT_EQ(derive_mac(host, 0, 0), derive_mac(host, 0, 0));
  EXPECT_NE(derive_mac(host, 0, 0), derive_mac(host, 0, 1));
}

struct MacCase {
  std::string_view text;
  bool valid;
  std::string_view canonical;
};

TEST(Naming, MacParsing) {
  const MacCase cases[] = {
      {"5a:7e:00:11:22:33", true, "5a:7e:00:11:22:33"},
      {"5A:7E:AB:CD:EF:01", true, "5a:7e:ab:cd:ef:01"},
      {"5a:7e:00:11:22", false, ""},
      {"5a-7e-00-11-22-33", false, ""},
      {"5a:7e:00:11:22:3g", false, ""},
      {"", false, ""},
      {"5a:7e:00:11:22:333", false, ""},
  };
  for (const auto& c : cases) {
    auto mac = MacAddress::parse(c.text);
    EXPECT_EQ(mac.ok(), c.valid) << c.text;
    if (mac.ok()) {
      EXPECT_EQ(mac->to_string(), c.canonical);
    }
  }
}

TEST(Naming, DescribeNamesObjectCandidateAndSession) {
  EXPECT_EQ(describe("define network", {"s1", "c03", "lan"}),
            "define network \"lan\" for candidate \"c03\" of session \"s1\"");
}

}  // namespace
}  // namespace atelier::provider
