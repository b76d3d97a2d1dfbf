#include "manifests-schema/base/error_text.h"

namespace dflow {

std::string BoundErrorText(std::string_view text) {
  if (text.size() <= kMaxErrorBytes) return std::string(text);
  // The tail's length has at most 20 digits; reserve for the longest one.
  constexpr std::string_view kTail = "\n... ( more bytes not shown)";
  std::size_t keep = kMaxErrorBytes - kTail.size() - 20;
  // Never split a multi-byte character: back up over continuation bytes (10xxxxxx).
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  return std::string(text.substr(0, keep)) + "\n... (" + std::to_string(text.size() - keep) +
         " more bytes not shown)";
}

}  // namespace dflow
