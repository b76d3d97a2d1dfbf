#include "manifests-schema/base/secret.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace dflow {
namespace {

// Secrets are tokens and passphrases; a bigger file is a wrong path (a log, a key pair), and the
// bound keeps /dev/zero or a FIFO from being read forever.
constexpr std::size_t kMaxSecretBytes = 64 * 1024;

// Drops one trailing "\n", "\r\n" or "\r" (editors and `echo` add one; a "\r" kept from a Windows
// editor used to end up in Authorization headers). A line break left inside is an error: the
// value would be a different secret than the one meant, or split an HTTP header.
Result<Secret> OneLine(std::string value, const std::string& where) {
  if (!value.empty() && value.back() == '\n') value.pop_back();
  if (!value.empty() && value.back() == '\r') value.pop_back();
  if (value.find_first_of("\r\n") != std::string::npos)
    return Status(Code::kInvalidArgument,
                  where +
                      " holds more than one line (a secret is one line, optionally ending "
                      "in a line break)");
  return Secret(std::move(value));
}

Status ReadError(int error, const std::string& where) {
  const Code code = error == ENOENT   ? Code::kNotFound
                    : error == EACCES ? Code::kPermissionDenied
                                      : Code::kFailed;
  return Status(code, "cannot read " + where + ": " + std::strerror(error));
}

// Reads at most kMaxSecretBytes + 1 bytes, so that "too large" is known without reading more.
Result<std::string> ReadBounded(const std::string& path, const std::string& where) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ReadError(errno, where);
  std::string data(kMaxSecretBytes + 1, '\0');
  std::size_t size = 0;
  while (size < data.size()) {
    const ssize_t n = ::read(fd, data.data() + size, data.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      return ReadError(error, where);
    }
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (size > kMaxSecretBytes)
    return Status(Code::kInvalidArgument, where + " is larger than " +
                                              std::to_string(kMaxSecretBytes) +
                                              " bytes (a secret file holds one line)");
  data.resize(size);
  return data;
}

// The end of the authority that starts at `from`: the first "/", "?", "#", whitespace or
// character that cannot be part of a URL in text (quotes, brackets of a log line).
std::size_t AuthorityEnd(std::string_view text, std::size_t from) {
  for (std::size_t i = from; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c <= ' ' || c == 0x7f || std::strchr("/?#\"'<>`\\", c) != nullptr) return i;
  }
  return text.size();
}

}  // namespace

Result<Secret> ReadSecretFile(const std::string& path, std::string_view what) {
  const std::string where = std::string(what) + " " + path;
  Result<std::string> data = ReadBounded(path, where);
  if (!data.ok()) return data.status();
  return OneLine(std::move(data).value(), where);
}

Result<Secret> ReadSecretEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return Secret();
  return OneLine(value, "environment variable " + name);
}

Result<Secret> ReadSecret(const std::string& file, const std::string& env, std::string_view what) {
  if (!file.empty()) return ReadSecretFile(file, what);
  if (!env.empty()) return ReadSecretEnv(env);
  return Secret();
}

std::string ScrubUrls(std::string_view text) {
  std::string out;
  std::size_t copied = 0;
  std::size_t from = 0;
  for (std::size_t scheme; (scheme = text.find("://", from)) != std::string_view::npos;) {
    const std::size_t host = scheme + 3;
    const std::size_t end = AuthorityEnd(text, host);
    from = end;
    // The last "@": a password may hold an unescaped "@" of its own.
    const std::size_t at = text.substr(host, end - host).rfind('@');
    if (at == std::string_view::npos || at == 0) continue;
    out.append(text.substr(copied, host - copied));
    out.append(kRedacted);
    copied = host + at;
  }
  out.append(text.substr(copied));
  return out;
}

std::string ScrubSecrets(std::string text, const std::vector<std::string>& values) {
  std::vector<std::string_view> longest_first(values.begin(), values.end());
  std::sort(longest_first.begin(), longest_first.end(),
            [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  for (std::string_view value : longest_first) {
    if (value.empty()) continue;
    for (std::size_t at = text.find(value); at != std::string::npos;
         at = text.find(value, at + kRedacted.size())) {
      text.replace(at, value.size(), kRedacted);
    }
  }
  return text;
}

std::string ScrubSecrets(std::string text, const std::vector<Secret>& values) {
  std::vector<std::string> revealed;
  revealed.reserve(values.size());
  for (const Secret& value : values) revealed.push_back(value.Reveal());
  return ScrubSecrets(std::move(text), revealed);
}

}  // namespace dflow
