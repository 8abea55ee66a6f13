// Unit tests of the ticket Markdown renderer and HTML escaping: a table of inputs and the exact
// HTML, with XSS attempts that must come out inert.
#include <gtest/gtest.h>

#include "controller/web/html.h"

namespace atelier::web {
namespace {

struct Case {
  const char* name;
  const char* markdown;
  const char* html;
};

TEST(Markdown, RendersTheSubsetExactly) {
  const Case cases[] = {
      {"paragraph", "Le serveur\nne répond plus.", "<p>Le serveur ne répond plus.</p>\n"},
      {"two paragraphs", "a\n\nb", "<p>a</p>\n<p>b</p>\n"},
      {"heading shifted", "# Titre", "<h3>Titre</h3>\n"},
      {"deep heading capped", "###### x", "<h6>x</h6>\n"},
      {"not a heading", "#hashtag", "<p>#hashtag</p>\n"},
      {"ul", "- un\n- deux", "<ul>\n<li>un</li>\n<li>deux</li>\n</ul>\n"},
      {"ol", "1. un\n2. deux", "<ol>\n<li>un</li>\n<li>deux</li>\n</ol>\n"},
      {"ul then ol", "- a\n1. b", "<ul>\n<li>a</li>\n</ul>\n<ol>\n<li>b</li>\n</ol>\n"},
      {"emphasis", "**gras** et *it* et _it_",
       "<p><strong>gras</strong> et <em>it</em> et <em>it</em></p>\n"},
      {"code span", "run `ls -l <dir>`", "<p>run <code>ls -l &lt;dir&gt;</code></p>\n"},
      {"code block", "```\n<b>x</b>\n  y\n```",
       "<pre><code>&lt;b&gt;x&lt;/b&gt;\n  y\n</code></pre>\n"},
      {"link", "[doc](https://example.org/a?b=1&c=2)",
       "<p><a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"noopener "
       "noreferrer\">doc</a></p>\n"},
      {"unclosed emphasis is text", "2 * 3", "<p>2 * 3</p>\n"},
      {"empty", "", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(render_markdown(c.markdown), c.html) << c.name;
}

TEST(Markdown, XssAttemptsComeOutInert) {
  const Case cases[] = {
      {"script tag", "<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"},
      {"img onerror", "<img src=x onerror=alert(1)>",
       "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"},
      {"javascript link", "[clic](javascript:alert(1))", "<p>clic)</p>\n"},
      {"JaVaScRiPt link", "[clic](JaVaScRiPt:alert(1))", "<p>clic)</p>\n"},
      {"data link", "[x](data:text/html,<script>)", "<p>x</p>\n"},
      {"relative link", "[x](/api/v1/sessions)", "<p>x</p>\n"},
      {"quote breaks attribute", "[x](https://a.example/\"onmouseover=\"alert(1))",
       "<p><a href=\"https://a.example/&quot;onmouseover=&quot;alert(1\" rel=\"noopener "
       "noreferrer\">x</a>)</p>\n"},
      {"space in url", "[x](https://a.example/ onclick=y)", "<p>x</p>\n"},
      {"html in heading", "# <i>t</i>", "<h3>&lt;i&gt;t&lt;/i&gt;</h3>\n"},
      {"html in list", "- <a href=x>y</a>", "<ul>\n<li>&lt;a href=x&gt;y&lt;/a&gt;</li>\n</ul>\n"},
      {"entity stays literal", "&lt;script&gt;", "<p>&amp;lt;script&amp;gt;</p>\n"},
      {"link text escaped", "[<b>x</b>](https://a.example)",
       "<p><a href=\"https://a.example\" rel=\"noopener "
       "noreferrer\">&lt;b&gt;x&lt;/b&gt;</a></p>\n"},
  };
  for (const auto& c : cases) {
    auto html = render_markdown(c.markdown);
    EXPECT_EQ(html, c.html) << c.name;
    EXPECT_EQ(html.find("<script"), std::string::npos) << c.name;
    EXPECT_EQ(html.find("javascript:"), std::string::npos) << c.name;
  }
}

TEST(Html, EscapesTextAndAttributes) {
  EXPECT_EQ(escape_html("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(escape_html("éà ok"), "éà ok");
}

TEST(Html, SafeLinks) {
  EXPECT_TRUE(is_safe_link("https://example.org"));
  EXPECT_TRUE(is_safe_link("HTTP://example.org/x"));
  for (const char* bad : {"http://", "https:/x", "javascript:alert(1)", "//evil.example", "ftp://x",
                          "https://a b", "https://a\tb", "vbscript:x", ""}) {
    EXPECT_FALSE(is_safe_link(bad)) << bad;
  }
}

}  // namespace
}  // namespace atelier::web
