// SPDX-License-Identifier: MIT
// The memory browser's pure HTTP pieces: queries, cookies, CSRF tokens, origins, headers.
#include "ui/ui_http.hpp"

#include <gtest/gtest.h>

#include "ui/ui_assets.hpp"

namespace mnemo::ui {
namespace {

TEST(UiHttpTest, ParseQueryDecodesEscapesAndPlus) {
    auto query = ParseQuery("/ui/api/search?p=notes&q=pool+timeout%2Fx&empty=&flag");
    ASSERT_TRUE(query);
    EXPECT_EQ((*query)["p"], "notes");
    EXPECT_EQ((*query)["q"], "pool timeout/x");
    EXPECT_EQ((*query)["empty"], "");
    EXPECT_EQ((*query)["flag"], "");
    EXPECT_TRUE(ParseQuery("/ui/api/projects")->empty());
    EXPECT_EQ((*ParseQuery("/x?a=1&a=2"))["a"], "1");
}

TEST(UiHttpTest, ParseQueryRefusesMalformedEscapes) {
    EXPECT_FALSE(ParseQuery("/x?q=%"));
    EXPECT_FALSE(ParseQuery("/x?q=%4"));
    EXPECT_FALSE(ParseQuery("/x?q=%zz"));
}

TEST(UiHttpTest, CookieValueFindsTheNamedCookie) {
    EXPECT_EQ(CookieValue("a=1; mnemo_ui=tok_1; b=2", "mnemo_ui"), "tok_1");
    EXPECT_EQ(CookieValue("mnemo_ui=x", "mnemo_ui"), "x");
    EXPECT_EQ(CookieValue("xmnemo_ui=x", "mnemo_ui"), "");
    EXPECT_EQ(CookieValue("", "mnemo_ui"), "");
}

TEST(UiHttpTest, CsrfTokenDependsOnTheSecretAndComparesExactly) {
    const std::string a = CsrfToken("mnemo_aaaa");
    EXPECT_EQ(a.size(), 64u);
    EXPECT_EQ(a, CsrfToken("mnemo_aaaa"));
    EXPECT_NE(a, CsrfToken("mnemo_aaab"));
    EXPECT_NE(a, CsrfToken(""));
    EXPECT_TRUE(SameSecret(a, CsrfToken("mnemo_aaaa")));
    EXPECT_FALSE(SameSecret(a, a.substr(1)));
    EXPECT_FALSE(SameSecret(a, ""));
}

util::RouteRequest WithHeaders(std::map<std::string, std::string> headers) {
    util::RouteRequest request;
    request.headers = std::move(headers);
    return request;
}

TEST(UiHttpTest, WritesMustComeFromThisServersPages) {
    EXPECT_TRUE(SameOriginWrite(WithHeaders({{"host", "127.0.0.1:8080"}}), ""));
    EXPECT_TRUE(SameOriginWrite(
        WithHeaders({{"host", "127.0.0.1:8080"}, {"origin", "http://127.0.0.1:8080"}}), ""));
    EXPECT_FALSE(SameOriginWrite(
        WithHeaders({{"host", "127.0.0.1:8080"}, {"origin", "https://evil.example"}}), ""));
    EXPECT_FALSE(SameOriginWrite(
        WithHeaders({{"host", "127.0.0.1:8080"}, {"sec-fetch-site", "cross-site"}}), ""));
    EXPECT_FALSE(SameOriginWrite(
        WithHeaders({{"host", "127.0.0.1:8080"}, {"sec-fetch-site", "same-site"}}), ""));
    EXPECT_TRUE(SameOriginWrite(
        WithHeaders({{"host", "10.0.0.1"}, {"origin", "https://mnemo.example.com"}}),
        "https://mnemo.example.com/"));
}

TEST(UiHttpTest, JsonContentTypeAndUtf8Checks) {
    EXPECT_TRUE(IsJson("application/json"));
    EXPECT_TRUE(IsJson("Application/JSON; charset=utf-8"));
    EXPECT_FALSE(IsJson("text/plain"));
    EXPECT_FALSE(IsJson("application/x-www-form-urlencoded"));
    EXPECT_TRUE(HasMediaType("application/octet-stream", "application/octet-stream"));
    EXPECT_TRUE(HasMediaType(" Application/Octet-Stream ; x=1", "application/octet-stream"));
    EXPECT_FALSE(HasMediaType("application/octet-streams", "application/octet-stream"));
    EXPECT_FALSE(HasMediaType("multipart/form-data; boundary=x", "application/octet-stream"));
    EXPECT_TRUE(ValidUtf8("plain and ünïcødé ✓ 😀"));
    EXPECT_FALSE(ValidUtf8("\xff"));
    EXPECT_FALSE(ValidUtf8("\xc3"));          // truncated
    EXPECT_FALSE(ValidUtf8("\xc0\xaf"));      // overlong
    EXPECT_FALSE(ValidUtf8("\xed\xa0\x80"));  // a surrogate
}

TEST(UiHttpTest, EveryResponseCarriesTheStrictPolicy) {
    const auto response = ErrorReply(400, "bad \xff input");
    bool csp = false;
    bool nosniff = false;
    for (const auto& [name, value] : response.headers) {
        if (name == "Content-Security-Policy") {
            csp = value.find("default-src 'self'") != std::string::npos &&
                  value.find("unsafe") == std::string::npos;
        }
        if (name == "X-Content-Type-Options") nosniff = value == "nosniff";
    }
    EXPECT_TRUE(csp);
    EXPECT_TRUE(nosniff);
    EXPECT_EQ(response.status, 400);
    EXPECT_NE(response.body.find("\"error\""), std::string::npos);  // invalid UTF-8 replaced
}

TEST(UiHttpTest, TheAssetsAreCompiledIn) {
    const UiAsset* index = FindUiAsset("index.html");
    ASSERT_NE(index, nullptr);
    EXPECT_NE(index->body.find("/ui/assets/app.js"), std::string_view::npos);
    EXPECT_EQ(index->body.find("<script>"), std::string_view::npos);  // no inline script
    ASSERT_NE(FindUiAsset("app.js"), nullptr);
    EXPECT_EQ(FindUiAsset("app.js")->content_type, "text/javascript; charset=utf-8");
    EXPECT_EQ(FindUiAsset("../secret"), nullptr);
    // Nothing renders stored text as HTML.
    for (const char* name :
         {"app.js", "project.js", "context.js", "live.js", "dom.js", "transfer.js"}) {
        const UiAsset* script = FindUiAsset(name);
        ASSERT_NE(script, nullptr) << name;
        EXPECT_EQ(script->body.find("innerHTML"), std::string_view::npos) << name;
        EXPECT_EQ(script->body.find("insertAdjacentHTML"), std::string_view::npos) << name;
    }
}

}  // namespace
}  // namespace mnemo::ui
