// The one query-string parser of controller/api (query_params, Boost.URL's params view) and the
// web edge's readers built on it (form_params, form_value, query_value, query_fields), table-
// tested on constructed requests: decoding, repeats, absent fields, unreadable input.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "controller/api/query_string.h"
#include "controller/api/web_http.h"

namespace atelier::api {
namespace {

using Fields = std::map<std::string, std::string>;

TEST(QueryParams, Table) {
  struct Case {
    const char* target;
    bool ok;
    Fields want;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"/sessions", true, {}},
           {"/sessions?", true, {}},
           {"/r?format=csv&lang=en", true, {{"format", "csv"}, {"lang", "en"}}},
           {"/r?q=Alice+B%C3%A9n%26co", true, {{"q", "Alice Bén&co"}}},
           {"/r?a=1&a=2", true, {{"a", "2"}}},  // the last of a repeated key wins
           {"/r?flag&x=", true, {{"flag", ""}, {"x", ""}}},
           {"/r?k%3Dy=v%3D", true, {{"k=y", "v="}}},
           {"/r?a=%zz", false, {}},
           {"/r?a=b c", false, {}},
       }) {
    auto got = query_params(c.target);
    ASSERT_EQ(got.ok(), c.ok) << c.target;
    if (got.ok()) {
      EXPECT_EQ(*got, c.want) << c.target;
    } else {
      EXPECT_EQ(got.error().code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(got.error().message().find("query string"), std::string::npos);
    }
  }
}

TEST(FormParams, ReadAsAQueryString) {
  auto f = form_params("csrf=ab12&name=Jean+Dupont&password=p%40ss%2Bw&confirm=yes");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(
      *f,
      (Fields{
          {"csrf", "ab12"}, {"name", "Jean Dupont"}, {"password", "p@ss+w"}, {"confirm", "yes"}}));
  // A body is not a target: '?' and '/' are plain characters in it.
  EXPECT_EQ(form_value("next=%2Fweb%3Fx%3D1&a=b?c", "a"), "b?c");
  EXPECT_EQ(form_value("next=%2Fweb%3Fx%3D1", "next"), "/web?x=1");
  EXPECT_EQ(form_value("a=1", "b"), "");
  EXPECT_EQ(form_value("", "a"), "");
  EXPECT_EQ(form_value("a=%zz&b=2", "b"), "");  // unreadable: nothing is taken from it
  EXPECT_FALSE(form_params("a=%zz").ok());
  // Raw bytes a query may not hold (curl -d 'code=a b') are read as their escaped form.
  EXPECT_EQ(form_value("code=not a code&x=\"<\xc3\xa9>\"", "code"), "not a code");
  EXPECT_EQ(form_value("code=not a code&x=\"<\xc3\xa9>\"", "x"), "\"<\xc3\xa9>\"");
}

TEST(RequestFields, QueryAndFormOfARequest) {
  HttpRequest r;
  r.method = "POST";
  r.target = "/web/grid?session=s1&lang=en";
  r.body = "task=T1&status=pass";
  EXPECT_EQ(query_fields(r), (Fields{{"session", "s1"}, {"lang", "en"}}));
  EXPECT_EQ(form_fields(r), (Fields{{"task", "T1"}, {"status", "pass"}}));
  EXPECT_EQ(query_value(r, "lang"), "en");
  EXPECT_EQ(query_value(r, "task"), "");
  r.target = "/web/grid?bad=%";
  EXPECT_TRUE(query_fields(r).empty());
  EXPECT_EQ(query_value(r, "bad"), "");
}

}  // namespace
}  // namespace atelier::api
