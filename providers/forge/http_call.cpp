#include "providers/forge/http_call.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <new>

#include "manifests-schema/base/text.h"

namespace dflow {
namespace {

struct Collector {
  HttpReply* reply;
  std::size_t limit;
  bool overflow = false;
};

std::size_t WriteBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* collector = static_cast<Collector*>(user);
  std::size_t bytes = size * count;
  if (collector->reply->body.size() + bytes > collector->limit) {
    collector->overflow = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  collector->reply->body.append(data, bytes);
  return bytes;
}

std::size_t WriteHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* collector = static_cast<Collector*>(user);
  std::string line(data, size * count);
  auto colon = line.find(':');
  if (colon == std::string::npos) return size * count;
  collector->reply->headers[AsciiLower(line.substr(0, colon))] = Trim(line.substr(colon + 1));
  return size * count;
}

}  // namespace

Result<HttpReply> PerformHttp(const HttpCall& call) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (!curl) return Status(Code::kInternal, "curl_easy_init failed");
  curl_slist* list = nullptr;
  for (const auto& header : call.headers) list = curl_slist_append(list, header.c_str());
  HttpReply reply;
  Collector collector{&reply, call.max_response_bytes};
  const long timeout_ms = static_cast<long>(call.timeout.count());
  curl_easy_setopt(curl, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &collector);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &collector);
  if (call.body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body->size()));
  }
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  if (collector.overflow)
    return Status(Code::kFailed,
                  "response larger than " + std::to_string(call.max_response_bytes) + " bytes");
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return Status(Code::kTimeout, "no complete answer within " +
                                      (call.timeout.count() % 1000 == 0
                                           ? std::to_string(call.timeout.count() / 1000) + "s"
                                           : std::to_string(call.timeout.count()) + " ms"));
  if (rc != CURLE_OK) return Status(Code::kUnavailable, curl_easy_strerror(rc));
  return reply;
}

std::string UrlEscape(std::string_view text) {
  // A null handle is allowed since libcurl 7.82 (Debian 12 has 7.88).
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  if (escaped == nullptr) throw std::bad_alloc();
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

}  // namespace dflow
