// Renders badges in headless Chromium (Debian package `chromium`) and looks at the pixels:
// the picture is as large as the SVG says and the text stays inside its box. Skipped (doctest
// skip decorator) when chromium is not installed. With DFLOW_BADGE_DOCS_DIR set, the
// screenshots are also copied there (docs/badges/ holds the committed ones).
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>

#include "reconciler/status/badge.h"
#include "tests/reconciler/status/svg_width.h"
#include "tests/support/png.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

std::string FindChromium() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = dir + "/chromium";
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

bool NoChromium() { return FindChromium().empty(); }

std::vector<std::string> ChromiumArgs(const std::filesystem::path& profile) {
  return {FindChromium(),
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--hide-scrollbars",
          "--force-device-scale-factor=1",
          "--user-data-dir=" + profile.string()};
}

// Runs Chromium under timeout(1): a headless Chromium now and then hangs at exit on a loaded
// machine (seen in a full parallel test run), which would hold the test until ctest's limit.
// A run cut by the timeout is tried once more; any other failure is the test's.
test::Captured RunChromium(const std::vector<std::string>& args) {
  std::vector<std::string> bounded = {"/usr/bin/timeout", "-k", "5", "60"};
  bounded.insert(bounded.end(), args.begin(), args.end());
  test::Captured run = test::RunCapture(bounded, "");
  if (run.exit_code == 124 || run.exit_code == 137) run = test::RunCapture(bounded, "");
  return run;
}

// Renders `svg` in a width x height window; with `save_as` set, keeps a copy of the PNG there.
test::Image Screenshot(const std::string& svg, int width, int height,
                       const std::filesystem::path& save_as = {}) {
  test::ScopedTempDir dir;
  test::WriteFile(dir.path() / "badge.svg", svg);
  test::WriteFile(dir.path() / "page.html",
                  "<!DOCTYPE html><html><body style=\"margin:0;background:#fff\">"
                  "<img src=\"badge.svg\" style=\"display:block\"></body></html>");
  auto args = ChromiumArgs(dir.path() / "profile");
  args.push_back("--screenshot=" + (dir.path() / "shot.png").string());
  args.push_back("--window-size=" + std::to_string(width) + "," + std::to_string(height));
  args.push_back("file://" + (dir.path() / "page.html").string());
  test::Captured run = RunChromium(args);
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  std::string error;
  test::Image image = test::DecodePng(test::ReadFile(dir.path() / "shot.png"), &error);
  REQUIRE_MESSAGE(image.width > 0, error);
  if (!save_as.empty()) {
    std::filesystem::create_directories(save_as.parent_path());
    std::filesystem::copy_file(dir.path() / "shot.png", save_as,
                               std::filesystem::copy_options::overwrite_existing);
  }
  return image;
}

test::Rgb Hex(const std::string& hex) {
  std::string six =
      hex.size() == 4 ? std::string{hex[1], hex[1], hex[2], hex[2], hex[3], hex[3]} : hex.substr(1);
  return {std::stoi(six.substr(0, 2), nullptr, 16), std::stoi(six.substr(2, 2), nullptr, 16),
          std::stoi(six.substr(4, 2), nullptr, 16)};
}

int Distance(test::Rgb a, test::Rgb b) {
  return std::max({std::abs(a.r - b.r), std::abs(a.g - b.g), std::abs(a.b - b.b)});
}

// The flat style's gradient shifts the background by at most ~10% of #bbb or black.
constexpr int kBackgroundTolerance = 28;

// True when columns [x0, x1) of rows 3..16 (clear of the rounded corners) are all background.
bool ColumnsAreBackground(const test::Image& image, int x0, int x1, test::Rgb background) {
  for (int x = x0; x < x1; ++x) {
    for (int y = 3; y <= 16; ++y) {
      if (Distance(image.At(x, y), background) > kBackgroundTolerance) return false;
    }
  }
  return true;
}

// True when some pixel in columns [x0, x1) is far from the background: text was drawn.
bool HasInk(const test::Image& image, int x0, int x1, test::Rgb background) {
  for (int x = x0; x < x1; ++x) {
    for (int y = 0; y < image.height; ++y) {
      if (Distance(image.At(x, y), background) > 80) return true;
    }
  }
  return false;
}

struct Case {
  std::string file;  // docs/badges/<file>.png
  BadgeStatus status;
};

std::vector<Case> AllStates() {
  return {
      {"synced-healthy", StatusBadge(SyncState::kSynced, HealthState::kHealthy)},
      {"out-of-sync", StatusBadge(SyncState::kOutOfSync, HealthState::kHealthy)},
      {"progressing", StatusBadge(SyncState::kProgressing, HealthState::kHealthy)},
      {"degraded", StatusBadge(SyncState::kSynced, HealthState::kDegraded)},
      {"failed", StatusBadge(SyncState::kFailed, HealthState::kHealthy)},
      {"missing", StatusBadge(SyncState::kOutOfSync, HealthState::kMissing)},
      {"unknown", StatusBadge(SyncState::kUnknown, HealthState::kUnknown)},
      {"not-found", NotFoundBadge()},
      {"with-revision-and-age",
       {WithAge(WithRevision("synced", "9f8e7d6c5b4a"), std::chrono::minutes(3)), "brightgreen"}}};
}

TEST_CASE("chromium renders each state's badge at its declared size with the text inside" *
          doctest::skip(NoChromium())) {
  for (const Case& c : AllStates()) {
    CAPTURE(c.file);
    BadgeSpec spec;
    spec.label = "web";
    spec.message = c.status.message;
    spec.color = c.status.color;
    std::string svg = RenderBadgeSvg(spec);
    int width = test::SvgWidth(svg);
    int label_width = static_cast<int>(std::ceil(BadgeTextWidth("web"))) | 1;
    label_width += 10;
    // The window is wider than the badge: whatever lies right of it must stay white.
    test::Image image = Screenshot(svg, width + 10, 20);
    CHECK(image.width == width + 10);
    CHECK(image.height == 20);
    test::Rgb background = Hex(ResolveBadgeColor(spec.color));
    test::Rgb label = Hex("#555");
    CHECK(ColumnsAreBackground(image, width - 3, width, background));
    CHECK(ColumnsAreBackground(image, label_width, label_width + 3, background));
    CHECK(ColumnsAreBackground(image, 0, 3, label));
    CHECK(ColumnsAreBackground(image, label_width - 3, label_width, label));
    CHECK(ColumnsAreBackground(image, width, width + 10, Hex("#fff")));
    CHECK(HasInk(image, label_width + 3, width - 3, background));
    CHECK(HasInk(image, 3, label_width - 3, label));
    if (const char* docs = std::getenv("DFLOW_BADGE_DOCS_DIR")) {
      // Keep the badge only, without the white margin.
      auto file = std::filesystem::path(docs) / (c.file + ".png");
      CHECK(Screenshot(svg, width, 20, file).width == width);
    }
  }
}

TEST_CASE("the pixel checks catch text that overflows its box" * doctest::skip(NoChromium())) {
  BadgeSpec spec;
  spec.label = "web";
  spec.message = "out of sync";
  spec.color = "yellow";
  std::string svg = RenderBadgeSvg(spec);
  int width = test::SvgWidth(svg);
  // Stretch the message text 30px wider than its box: it now spills into the padding.
  int text = static_cast<int>(std::ceil(BadgeTextWidth(spec.message))) | 1;
  std::string fitted = "textLength=\"" + std::to_string(text * 10) + "\"";
  std::string stretched = "textLength=\"" + std::to_string(text * 10 + 300) + "\"";
  REQUIRE(svg.find(fitted) != std::string::npos);
  std::string broken = std::regex_replace(svg, std::regex(fitted), stretched);
  test::Image image = Screenshot(broken, width + 10, 20);
  test::Rgb background = Hex(ResolveBadgeColor(spec.color));
  CHECK_FALSE(ColumnsAreBackground(image, width - 3, width, background));
}

// Measures text in Chromium (no textLength) and returns the widths in pixels, in order.
std::vector<double> MeasureInChromium(const std::vector<std::string>& texts) {
  nlohmann::json list = texts;
  test::ScopedTempDir dir;
  test::WriteFile(dir.path() / "measure.html",
                  "<!DOCTYPE html><html><body><svg xmlns=\"http://www.w3.org/2000/svg\" "
                  "width=\"10\" height=\"10\"><text id=\"t\" font-family=\"DejaVu Sans,Verdana,"
                  "Geneva,sans-serif\" font-size=\"110\" transform=\"scale(.1)\"></text></svg>"
                  "<pre id=\"out\"></pre><script>const texts = " +
                      list.dump() +
                      ";const t = document.getElementById('t'); const out = [];"
                      "for (const s of texts) { t.textContent = s;"
                      " out.push(t.getComputedTextLength() / 10); }"
                      "document.getElementById('out').textContent ="
                      " 'WIDTHS' + JSON.stringify(out) + 'END';</script></body></html>");
  auto args = ChromiumArgs(dir.path() / "profile");
  args.push_back("--dump-dom");
  args.push_back("file://" + (dir.path() / "measure.html").string());
  test::Captured run = RunChromium(args);
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  std::smatch match;
  REQUIRE(std::regex_search(run.out, match, std::regex("WIDTHS(\\[.*\\])END")));
  return nlohmann::json::parse(match[1].str()).get<std::vector<double>>();
}

TEST_CASE("the width table matches the widths chromium measures for the same text" *
          doctest::skip(NoChromium())) {
  std::vector<std::string> texts = {"dflow",
                                    "web",
                                    "abcdefghijklmnopqrstuvwxyz",
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                    "0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
                                    "\u00e9t\u00e9 \u00e0 Z\u00fcrich \u00a9 \u2026 \u2192"};
  for (const Case& c : AllStates()) texts.push_back(c.status.message);
  std::vector<double> measured = MeasureInChromium(texts);
  REQUIRE(measured.size() == texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    CAPTURE(texts[i]);
    CAPTURE(measured[i]);
    // Kerning may move a few glyph pairs by a fraction of a pixel.
    CHECK(BadgeTextWidth(texts[i]) == doctest::Approx(measured[i]).epsilon(0.01));
  }
}

}  // namespace
}  // namespace dflow
