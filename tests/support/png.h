// Reads the PNG files headless Chromium writes (8-bit RGB or RGBA, not interlaced) so tests
// can look at rendered pixels.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dflow::test {

struct Rgb {
  int r = 0, g = 0, b = 0;
};

struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgba;  // width * height * 4 bytes, rows top to bottom
  Rgb At(int x, int y) const;
};

// Decodes `bytes`. On failure returns an image of width 0 and sets `error`.
Image DecodePng(const std::string& bytes, std::string* error);

}  // namespace dflow::test
