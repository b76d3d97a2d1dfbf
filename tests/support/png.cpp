#include "tests/support/png.h"

#include <zlib.h>

#include <cstdlib>

namespace dflow::test {
namespace {

std::uint32_t BigEndian32(const std::string& bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i)
    value = (value << 8) | static_cast<std::uint8_t>(bytes[at + i]);
  return value;
}

int Paeth(int a, int b, int c) {
  int p = a + b - c;
  int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

// Reverses the per-row filters in place; `raw` holds (1 + stride) bytes per row.
bool Unfilter(std::vector<std::uint8_t>& raw, int height, std::size_t stride, int bpp) {
  for (int y = 0; y < height; ++y) {
    std::uint8_t* row = raw.data() + y * (stride + 1);
    std::uint8_t filter = row[0];
    std::uint8_t* cur = row + 1;
    const std::uint8_t* prev = y > 0 ? cur - (stride + 1) : nullptr;
    for (std::size_t i = 0; i < stride; ++i) {
      int a = i >= static_cast<std::size_t>(bpp) ? cur[i - bpp] : 0;
      int b = prev ? prev[i] : 0;
      int c = prev && i >= static_cast<std::size_t>(bpp) ? prev[i - bpp] : 0;
      int add = 0;
      switch (filter) {
        case 0:
          add = 0;
          break;
        case 1:
          add = a;
          break;
        case 2:
          add = b;
          break;
        case 3:
          add = (a + b) / 2;
          break;
        case 4:
          add = Paeth(a, b, c);
          break;
        default:
          return false;
      }
      cur[i] = static_cast<std::uint8_t>(cur[i] + add);
    }
  }
  return true;
}

}  // namespace

Rgb Image::At(int x, int y) const {
  const std::uint8_t* p = rgba.data() + (static_cast<std::size_t>(y) * width + x) * 4;
  return {p[0], p[1], p[2]};
}

Image DecodePng(const std::string& bytes, std::string* error) {
  static const std::string kSignature = "\x89PNG\r\n\x1a\n";
  if (bytes.compare(0, kSignature.size(), kSignature) != 0) {
    *error = "not a PNG";
    return {};
  }
  Image image;
  int color_type = -1;
  std::string idat;
  std::size_t at = kSignature.size();
  while (at + 8 <= bytes.size()) {
    std::uint32_t length = BigEndian32(bytes, at);
    std::string type = bytes.substr(at + 4, 4);
    if (at + 12 + length > bytes.size()) break;
    if (type == "IHDR") {
      image.width = static_cast<int>(BigEndian32(bytes, at + 8));
      image.height = static_cast<int>(BigEndian32(bytes, at + 12));
      int depth = static_cast<std::uint8_t>(bytes[at + 16]);
      color_type = static_cast<std::uint8_t>(bytes[at + 17]);
      if (depth != 8 || (color_type != 2 && color_type != 6) || bytes[at + 20] != 0) {
        *error = "unsupported PNG format";
        return {};
      }
    } else if (type == "IDAT") {
      idat += bytes.substr(at + 8, length);
    }
    at += 12 + length;
  }
  if (color_type < 0 || idat.empty()) {
    *error = "PNG without IHDR or IDAT";
    return {};
  }
  int bpp = color_type == 6 ? 4 : 3;
  std::size_t stride = static_cast<std::size_t>(image.width) * bpp;
  std::vector<std::uint8_t> raw((stride + 1) * image.height);
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) !=
          Z_OK ||
      raw_size != raw.size() || !Unfilter(raw, image.height, stride, bpp)) {
    *error = "corrupt PNG data";
    return {};
  }
  image.rgba.resize(static_cast<std::size_t>(image.width) * image.height * 4);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const std::uint8_t* src = raw.data() + y * (stride + 1) + 1 + x * bpp;
      std::uint8_t* dst = image.rgba.data() + (static_cast<std::size_t>(y) * image.width + x) * 4;
      for (int k = 0; k < 3; ++k) dst[k] = src[k];
      dst[3] = bpp == 4 ? src[3] : 255;
    }
  }
  return image;
}

}  // namespace dflow::test
