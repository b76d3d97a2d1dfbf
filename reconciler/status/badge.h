// Status badges: the familiar two-part "label | message" image (SVG, shields.io flat styles)
// and its JSON twin for shields.io's endpoint badge, plus the per-path tokens that let a
// private controller hand out badge URLs. Pure functions: the HTTP layer picks the state.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "reconciler/status/app_status.h"

namespace dflow {

enum class BadgeStyle { kFlat, kFlatSquare };

struct BadgeSpec {
  std::string label = "dflow";
  std::string message;
  // A name (brightgreen, green, yellowgreen, yellow, orange, red, blue, grey/gray,
  // lightgrey/lightgray) or #rgb / #rrggbb. Anything else renders lightgrey.
  std::string color = "lightgrey";
  BadgeStyle style = BadgeStyle::kFlat;
};

// The SVG document, 20px high, each part as wide as its text (DejaVu Sans 11px advance
// widths, an em for characters outside the table) plus 5px padding each side. Label and
// message are XML-escaped; invalid UTF-8 and control characters render as U+FFFD. Carries a
// <title> and aria-label "label: message".
std::string RenderBadgeSvg(const BadgeSpec& spec);

// shields.io endpoint format: {"schemaVersion":1,"label":..,"message":..,"color":..} with the
// colour resolved the same way as the SVG (hex without '#', as shields expects).
nlohmann::json RenderBadgeJson(const BadgeSpec& spec);

// "#4c1" for "brightgreen", "#e05d44" for "red", the hex itself for a valid "#rgb"/"#rrggbb",
// "#9f9f9f" (lightgrey) for anything else.
std::string ResolveBadgeColor(std::string_view color);

// Width in pixels of `text` in the badge font, before rounding (sum of advance widths).
double BadgeTextWidth(std::string_view text);

// Message and colour for an app, a service or an environment roll-up. The worst axis wins:
//   sync Failed                 -> "failed"           red
//   health Degraded             -> "degraded"         red
//   health Missing              -> "missing"          orange
//   sync OutOfSync              -> "out of sync"      yellow
//   either Progressing          -> "progressing"      blue
//   either Unknown              -> "unknown"          lightgrey
//   Synced and Healthy          -> "synced · healthy" brightgreen
struct BadgeStatus {
  std::string message;
  std::string color;
};
BadgeStatus StatusBadge(SyncState sync, HealthState health);

// The badge for a name the controller does not know: "not found", lightgrey.
BadgeStatus NotFoundBadge();

// "<message> @ <first 7 characters of revision>"; `message` unchanged for an empty revision.
std::string WithRevision(std::string_view message, std::string_view revision);

// "just now" (< 1 min), "3m ago", "5h ago", "2d ago"; negative ages read "just now".
std::string FormatAge(std::chrono::seconds age);

// "<message> · <FormatAge(age)>", e.g. "synced · 3m ago".
std::string WithAge(std::string_view message, std::chrono::seconds age);

// A token that authorises one badge path: lower-case hex HMAC-SHA256(secret, path), first 32
// characters. Handing out "/badge/app.svg?token=..." reveals neither the secret nor tokens for
// other paths.
std::string BadgeToken(std::string_view secret, std::string_view path);

// True when `token` is BadgeToken(secret, path). Constant-time in the token's content.
bool CheckBadgeToken(std::string_view secret, std::string_view path, std::string_view token);

}  // namespace dflow
