#include "providers/dokku/ustar_writer.h"

#include <algorithm>

namespace dflow {
namespace {

constexpr std::size_t kBlock = 512;
// 2000-01-01T00:00:00Z: a fixed time, so the bytes never depend on when they were made (and
// not 0, which GNU tar reports as an "implausibly old time stamp" when it extracts).
constexpr unsigned long long kFixedMtime = 946684800ULL;

// `value` as zero-padded octal in `width - 1` digits and a NUL, at `offset`.
void Octal(std::string& header, std::size_t offset, std::size_t width, unsigned long long value) {
  std::string digits(width - 1, '0');
  for (std::size_t i = digits.size(); i > 0 && value > 0; --i, value >>= 3)
    digits[i - 1] = static_cast<char>('0' + (value & 7));
  std::copy(digits.begin(), digits.end(), header.begin() + static_cast<long>(offset));
}

void Text(std::string& header, std::size_t offset, std::size_t width, const std::string& text) {
  std::copy_n(text.begin(), std::min(width, text.size()),
              header.begin() + static_cast<long>(offset));
}

std::string Header(const UstarEntry& entry) {
  std::string header(kBlock, '\0');
  Text(header, 0, 100, entry.name);
  Octal(header, 100, 8, 0644);  // mode
  Octal(header, 108, 8, 0);     // uid
  Octal(header, 116, 8, 0);     // gid
  Octal(header, 124, 12, entry.data.size());
  Octal(header, 136, 12, kFixedMtime);
  header[156] = '0';              // regular file
  Text(header, 257, 6, "ustar");  // magic, NUL-terminated by the zero fill
  Text(header, 263, 2, "00");     // version
  Text(header, 265, 32, "root");  // uname
  Text(header, 297, 32, "root");  // gname
  // The checksum is the byte sum with its own field read as spaces: six octal digits, NUL, ' '.
  std::fill_n(header.begin() + 148, 8, ' ');
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  Octal(header, 148, 7, sum);
  header[155] = ' ';
  return header;
}

}  // namespace

std::string WriteUstar(const std::vector<UstarEntry>& entries) {
  std::string out;
  for (const UstarEntry& entry : entries) {
    out += Header(entry);
    out += entry.data;
    out.append((kBlock - entry.data.size() % kBlock) % kBlock, '\0');
  }
  out.append(2 * kBlock, '\0');
  return out;
}

}  // namespace dflow
