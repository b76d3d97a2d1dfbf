#include "reconciler/status/badge.h"

#include <doctest/doctest.h>

#include <regex>

#include "tests/reconciler/status/svg_width.h"

namespace dflow {
namespace {

int Count(const std::string& text, const std::string& needle) {
  int count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST_CASE("a flat badge renders the exact shields-style SVG") {
  BadgeSpec spec;
  spec.label = "dflow";
  spec.message = "synced \u00b7 healthy";
  spec.color = "brightgreen";
  // DejaVu Sans 11px: "dflow" = 29.64px -> 31 (rounded up to odd), box 41;
  // "synced · healthy" = 90.84px -> 91, box 101; text centres at 10x scale: 205 and 915.
  CHECK(RenderBadgeSvg(spec) ==
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"142\" height=\"20\" role=\"img\" "
        "aria-label=\"dflow: synced \u00b7 healthy\"><title>dflow: synced \u00b7 healthy</title>"
        "<linearGradient id=\"s\" x2=\"0\" y2=\"100%\"><stop offset=\"0\" stop-color=\"#bbb\" "
        "stop-opacity=\".1\"/><stop offset=\"1\" stop-opacity=\".1\"/></linearGradient>"
        "<clipPath id=\"r\"><rect width=\"142\" height=\"20\" rx=\"3\" fill=\"#fff\"/></clipPath>"
        "<g clip-path=\"url(#r)\"><rect width=\"41\" height=\"20\" fill=\"#555\"/>"
        "<rect x=\"41\" width=\"101\" height=\"20\" fill=\"#4c1\"/>"
        "<rect width=\"142\" height=\"20\" fill=\"url(#s)\"/></g>"
        "<g text-anchor=\"middle\" font-family=\"DejaVu Sans,Verdana,Geneva,sans-serif\" "
        "text-rendering=\"geometricPrecision\" font-size=\"110\">"
        "<text aria-hidden=\"true\" x=\"205\" y=\"150\" fill=\"#010101\" fill-opacity=\".3\" "
        "transform=\"scale(.1)\" textLength=\"310\">dflow</text>"
        "<text x=\"205\" y=\"140\" transform=\"scale(.1)\" fill=\"#fff\" textLength=\"310\">"
        "dflow</text>"
        "<text aria-hidden=\"true\" x=\"915\" y=\"150\" fill=\"#010101\" fill-opacity=\".3\" "
        "transform=\"scale(.1)\" textLength=\"910\">synced \u00b7 healthy</text>"
        "<text x=\"915\" y=\"140\" transform=\"scale(.1)\" fill=\"#fff\" textLength=\"910\">"
        "synced \u00b7 healthy</text></g></svg>");
}

TEST_CASE("flat-square has square corners, no gradient, no shadow, dark text on light colours") {
  BadgeSpec spec;
  spec.label = "env";
  spec.message = "ok";
  spec.color = "#FF0";
  spec.style = BadgeStyle::kFlatSquare;
  std::string svg = RenderBadgeSvg(spec);
  CHECK(svg.find("rx=") == std::string::npos);
  CHECK(svg.find("linearGradient") == std::string::npos);
  CHECK(svg.find("aria-hidden") == std::string::npos);
  CHECK(svg.find("shape-rendering=\"crispEdges\"") != std::string::npos);
  CHECK(svg.find("fill=\"#ff0\"") != std::string::npos);
  CHECK(svg.find("fill=\"#333\" textLength=\"150\">ok</text>") != std::string::npos);
}

TEST_CASE("label and message are XML-escaped everywhere they appear") {
  BadgeSpec spec;
  spec.label = "<script>alert('x')</script>";
  spec.message = "a & b \"quoted\" </text><text>";
  std::string svg = RenderBadgeSvg(spec);
  CHECK(svg.find("<script>") == std::string::npos);
  CHECK(svg.find("</text><text>") == std::string::npos);
  CHECK(svg.find("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;") != std::string::npos);
  CHECK(svg.find("a &amp; b &quot;quoted&quot; &lt;/text&gt;&lt;text&gt;") != std::string::npos);
  CHECK(svg.find("aria-label=\"&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;: a &amp; b "
                 "&quot;quoted&quot;") != std::string::npos);
  // Exactly one title, four text elements: no markup got in.
  CHECK(Count(svg, "<text") == 4);
  CHECK(Count(svg, "</text>") == 4);
  CHECK(Count(svg, "<title>") == 1);
}

TEST_CASE("control characters and invalid UTF-8 become U+FFFD, valid UTF-8 is kept") {
  BadgeSpec spec;
  spec.label = "";
  spec.message = std::string("a\x01z\xff\xc3(") + "\u00e9\u4e16";
  std::string svg = RenderBadgeSvg(spec);
  CHECK(svg.find("<title>a\ufffdz\ufffd\ufffd(\u00e9\u4e16</title>") != std::string::npos);
  CHECK(RenderBadgeJson(spec)["message"] == "a\ufffdz\ufffd\ufffd(\u00e9\u4e16");
}

TEST_CASE("an empty label renders only the message box") {
  BadgeSpec spec;
  spec.label = "";
  spec.message = "ok";
  std::string svg = RenderBadgeSvg(spec);
  CHECK(svg.find("fill=\"#555\"") == std::string::npos);
  CHECK(svg.find("<title>ok</title>") != std::string::npos);
  CHECK(test::SvgWidth(svg) == 25);  // "ok" = 13.98px -> 15, plus 2 x 5 padding
}

TEST_CASE("widths grow with the text and unknown characters count one em") {
  CHECK(BadgeTextWidth("") == 0);
  CHECK(BadgeTextWidth("i") < BadgeTextWidth("m"));
  CHECK(BadgeTextWidth("mm") == doctest::Approx(2 * BadgeTextWidth("m")));
  CHECK(BadgeTextWidth("\u4e16") == doctest::Approx(11.0));
  CHECK(BadgeTextWidth("\u00e9") == doctest::Approx(BadgeTextWidth("e")));
  BadgeSpec spec;
  spec.message = "ok";
  int previous = test::SvgWidth(RenderBadgeSvg(spec));
  for (std::string message : {"ok!", "ok!!!!", "out of sync", "out of sync for a while"}) {
    spec.message = message;
    int width = test::SvgWidth(RenderBadgeSvg(spec));
    CHECK(width > previous);
    previous = width;
  }
}

TEST_CASE("very long text is cut to 128 characters with an ellipsis") {
  BadgeSpec spec;
  spec.label = "";
  spec.message = std::string(1000, 'x');
  std::string message = RenderBadgeJson(spec)["message"];
  CHECK(message == std::string(127, 'x') + "\u2026");
}

TEST_CASE("colours resolve by name, by hex, and fall back to lightgrey") {
  CHECK(ResolveBadgeColor("brightgreen") == "#4c1");
  CHECK(ResolveBadgeColor("Red") == "#e05d44");
  CHECK(ResolveBadgeColor("lightgray") == "#9f9f9f");
  CHECK(ResolveBadgeColor("#A1B2C3") == "#a1b2c3");
  CHECK(ResolveBadgeColor("#abc") == "#abc");
  CHECK(ResolveBadgeColor("#abcd") == "#9f9f9f");
  CHECK(ResolveBadgeColor("\"/><script>") == "#9f9f9f");
  CHECK(ResolveBadgeColor("") == "#9f9f9f");
}

TEST_CASE("the JSON twin follows the shields.io endpoint schema") {
  BadgeSpec spec;
  spec.label = "web";
  spec.message = "out of sync";
  spec.color = "yellow";
  CHECK(RenderBadgeJson(spec).dump() ==
        R"({"color":"yellow","label":"web","message":"out of sync","schemaVersion":1})");
  spec.color = "#A1B2C3";
  spec.style = BadgeStyle::kFlatSquare;
  CHECK(RenderBadgeJson(spec).dump() ==
        R"({"color":"a1b2c3","label":"web","message":"out of sync","schemaVersion":1,)"
        R"("style":"flat-square"})");
  spec.color = "not-a-colour";
  CHECK(RenderBadgeJson(spec)["color"] == "lightgrey");
}

TEST_CASE("the worst of sync and health picks the badge text and colour") {
  struct Row {
    SyncState sync;
    HealthState health;
    std::string message;
    std::string color;
  };
  const Row rows[] = {
      {SyncState::kSynced, HealthState::kHealthy, "synced \u00b7 healthy", "brightgreen"},
      {SyncState::kFailed, HealthState::kHealthy, "failed", "red"},
      {SyncState::kFailed, HealthState::kDegraded, "failed", "red"},
      {SyncState::kSynced, HealthState::kDegraded, "degraded", "red"},
      {SyncState::kOutOfSync, HealthState::kDegraded, "degraded", "red"},
      {SyncState::kOutOfSync, HealthState::kMissing, "missing", "orange"},
      {SyncState::kOutOfSync, HealthState::kHealthy, "out of sync", "yellow"},
      {SyncState::kOutOfSync, HealthState::kProgressing, "out of sync", "yellow"},
      {SyncState::kProgressing, HealthState::kHealthy, "progressing", "blue"},
      {SyncState::kSynced, HealthState::kProgressing, "progressing", "blue"},
      {SyncState::kUnknown, HealthState::kHealthy, "unknown", "lightgrey"},
      {SyncState::kSynced, HealthState::kUnknown, "unknown", "lightgrey"},
  };
  for (const Row& row : rows) {
    CAPTURE(SyncStateName(row.sync));
    CAPTURE(HealthStateName(row.health));
    BadgeStatus status = StatusBadge(row.sync, row.health);
    CHECK(status.message == row.message);
    CHECK(status.color == row.color);
  }
  CHECK(NotFoundBadge().message == "not found");
  CHECK(NotFoundBadge().color == "lightgrey");
}

TEST_CASE("revision and age suffixes") {
  CHECK(WithRevision("synced", "0123456789abcdef") == "synced @ 0123456");
  CHECK(WithRevision("synced", "abc") == "synced @ abc");
  CHECK(WithRevision("synced", "") == "synced");
  CHECK(FormatAge(std::chrono::seconds(-5)) == "just now");
  CHECK(FormatAge(std::chrono::seconds(59)) == "just now");
  CHECK(FormatAge(std::chrono::seconds(60)) == "1m ago");
  CHECK(FormatAge(std::chrono::seconds(3599)) == "59m ago");
  CHECK(FormatAge(std::chrono::hours(5)) == "5h ago");
  CHECK(FormatAge(std::chrono::hours(49)) == "2d ago");
  CHECK(WithAge("synced", std::chrono::minutes(3)) == "synced \u00b7 3m ago");
}

TEST_CASE("badge tokens are path-bound HMACs checked in constant time") {
  // printf '/badge/web.svg' | openssl dgst -sha256 -hmac s3cret, first 32 hex digits.
  std::string token = BadgeToken("s3cret", "/badge/web.svg");
  CHECK(token == "76c361cfcfa6cba2cf551151e8be8f9b");
  CHECK(CheckBadgeToken("s3cret", "/badge/web.svg", token));
  CHECK_FALSE(CheckBadgeToken("s3cret", "/badge/api.svg", token));
  CHECK_FALSE(CheckBadgeToken("other", "/badge/web.svg", token));
  CHECK_FALSE(CheckBadgeToken("s3cret", "/badge/web.svg", token.substr(0, 31)));
  CHECK_FALSE(CheckBadgeToken("s3cret", "/badge/web.svg", token + "0"));
  CHECK_FALSE(CheckBadgeToken("s3cret", "/badge/web.svg", ""));
  std::string flipped = token;
  flipped[31] = flipped[31] == 'b' ? 'c' : 'b';
  CHECK_FALSE(CheckBadgeToken("s3cret", "/badge/web.svg", flipped));
}

}  // namespace
}  // namespace dflow
