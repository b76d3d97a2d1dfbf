#include "manifests-schema/base/error_text.h"

#include <doctest/doctest.h>

#include <string>

namespace dflow {
namespace {

TEST_CASE("an error that fits is kept whole") {
  CHECK(BoundErrorText("") == "");
  std::string full(kMaxErrorBytes, 'x');
  CHECK(BoundErrorText(full) == full);
}

TEST_CASE("a long error is cut to 4 KiB and says how much was left out") {
  std::string text(31'000'000, 'x');
  std::string bounded = BoundErrorText(text);
  CHECK(bounded.size() <= kMaxErrorBytes);
  CHECK(bounded.size() > kMaxErrorBytes - 40);
  const std::string tail =
      "\n... (" + std::to_string(text.size() - bounded.find('\n')) + " more bytes not shown)";
  CHECK(bounded.ends_with(tail));
}

TEST_CASE("the cut never splits a UTF-8 character") {
  std::string text = "a";  // then é, two bytes each: characters start at odd offsets
  while (text.size() < 2 * kMaxErrorBytes) text += "\xc3\xa9";
  std::string bounded = BoundErrorText(text);
  const std::string kept = bounded.substr(0, bounded.find('\n'));
  CHECK(kept.size() % 2 == 1);
  CHECK(bounded.size() <= kMaxErrorBytes);
}

}  // namespace
}  // namespace dflow
