#include "manifests-schema/base/text.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace dflow {
namespace {

TEST_CASE("join puts the separator between every two parts") {
  struct Case {
    std::vector<std::string> parts;
    std::string separator;
    std::string joined;
  };
  const Case cases[] = {
      {{}, ",", ""},
      {{"a"}, ",", "a"},
      {{"a", "b", "c"}, ",", "a,b,c"},
      {{"a", "b"}, "; ", "a; b"},
      {{"a", "b"}, "", "ab"},
      {{"a", "", "b"}, ",", "a,,b"},
      {{"", "b"}, ",", ",b"},
      {{"", ""}, ", ", ", "},
  };
  for (const Case& c : cases) {
    CAPTURE(c.joined);
    CHECK(Join(c.parts, c.separator) == c.joined);
  }
}

TEST_CASE("trim removes C-locale whitespace from both ends only") {
  struct Case {
    std::string text;
    std::string trimmed;
  };
  const Case cases[] = {
      {"", ""},
      {"   ", ""},
      {"abc", "abc"},
      {"  abc  ", "abc"},
      {"\t\n\v\f\r abc \r\n", "abc"},
      {"a b\tc", "a b\tc"},
      {" text/plain; charset=utf-8\r\n", "text/plain; charset=utf-8"},
      {"\xc2\xa0x\xc2\xa0", "\xc2\xa0x\xc2\xa0"},  // a UTF-8 no-break space is not ASCII space
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CHECK(Trim(c.text) == c.trimmed);
  }
}

}  // namespace
}  // namespace dflow

TEST_CASE("minus keeps the items of the first list that the second lacks, in order") {
  const std::vector<std::string> a{"c", "a", "b", "a"};
  CHECK(dflow::Minus(a, {"a"}) == std::vector<std::string>{"c", "b"});
  CHECK(dflow::Minus(a, {}) == a);
  CHECK(dflow::Minus({}, a).empty());
  CHECK(dflow::Contains(a, "b"));
  CHECK_FALSE(dflow::Contains(a, "d"));
}
