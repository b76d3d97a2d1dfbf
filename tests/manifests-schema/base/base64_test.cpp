#include "manifests-schema/base/base64.h"

#include <doctest/doctest.h>

#include <string>

namespace dflow {
namespace {

TEST_CASE("base64 matches RFC 4648 for every padding length") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("a") == "YQ==");
  CHECK(Base64Encode("ab") == "YWI=");
  CHECK(Base64Encode("abc") == "YWJj");
  CHECK(Base64Encode("line1\nline2") == "bGluZTEKbGluZTI=");
  CHECK(Base64Encode(std::string("\xff\x00\xfe", 3)) == "/wD+");
}

TEST_CASE("base64url swaps the two symbols and drops the padding") {
  CHECK(Base64UrlEncode(std::string("\xff\x00\xfe", 3)) == "_wD-");
  CHECK(Base64UrlEncode(std::string("\xfb\xff", 2)) == "-_8");
  CHECK(Base64UrlEncode("a") == "YQ");
  CHECK(Base64UrlEncode("") == "");
}

TEST_CASE("base64 decodes what it encodes, NULs and padding included, and refuses the rest") {
  for (const std::string& bytes :
       {std::string("a"), std::string("ab"), std::string("abc"), std::string("\0\0\0\0", 4),
        std::string("\xff\x00\xfe\x01", 4)}) {
    CAPTURE(bytes.size());
    CHECK(Base64Decode(Base64Encode(bytes)) == bytes);
  }
  CHECK(Base64Decode("") == "");
  CHECK(Base64Decode("YQ=") == "");   // not a multiple of 4
  CHECK(Base64Decode("Y!==") == "");  // not in the alphabet
  CHECK(Base64Decode("_wD-") == "");  // base64url is not standard base64
}

}  // namespace
}  // namespace dflow
