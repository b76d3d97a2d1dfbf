// A megabyte scalar in any string field of any kind gives a located diagnostic (or is accepted
// where any text is valid), never a crash: std::regex recursed once per character and a
// 50,000-character value killed `dflow validate` with SIGSEGV.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "manifests-schema/desired_state_loader.h"
#include "manifests-schema/secrets_file.h"
#include "tests/manifests-schema/fixture_source.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

// About a megabyte, and under kMaxManifestFileBytes with the rest of a document around it.
constexpr std::size_t kHuge = 1'000'000;

// One manifest per kind; every «...» is a field under test, written with its default.
const char* const kTemplates[] = {
    R"(apiVersion: «dflow/v1»
kind: «Node»
metadata:
  name: «node-9»
  labels:
    «tier»: «web-tier»
spec:
  host: «203.0.113.9»
  port: «22»
  user: «dokku»
  hostKey: «SHA256:bX1X6ZGY+CR/QRyLlRmNhcyKI/2rN0nlRmQu7P1w8Oc»
)",
    R"(apiVersion: dflow/v1
kind: Environment
metadata:
  name: «staging»
spec:
  nodes: [«base-1»]
  domain: «staging.example.com»
  config:
    «LOG_LEVEL»: «info»
  traffic:
    proxy: «traefik»
    tls:
      letsencrypt:
        email: «ops@example.com»
        server: «https://acme.example.com/directory»
)",
    R"(apiVersion: dflow/v1
kind: Application
metadata:
  name: «courses»
spec:
  services:
    - name: «web»
      source:
        git: «https://git.example.com/courses.git»
        ref: «v1.4.2»
      build: {builder: «dockerfile»}
      config:
        «FEATURE»: «on-value»
      secrets: [«SESSION_SECRET»]
      domains: [«courses.example.com»]
      ports: [«http:80:5000»]
      processes:
        «web»: «2»
      databases: [«db»]
      checks:
        skipped: [«worker»]
      resources:
        limits: {memory: «512m»}
      storage: [«/var/lib/dokku/data/storage/x:/app/x»]
      networks: [«backend»]
    - name: worker
      source:
        image: «registry.example.com/worker:1.0»
  databases:
    - {name: «db», engine: «postgres»}
  environments:
    «base»:
      ref: «main»
      image: «registry.example.com/web:2.0»
      placement: {nodes: [«base-1»]}
)",
    R"(apiVersion: dflow/v1
kind: Theme
metadata:
  name: «mytheme»
  version: «1.0.0»
spec:
  description: «A theme»
  parameters:
    - name: «domain»
      type: «domain»
  services:
    - name: «web»
)",
    R"(apiVersion: dflow/v1
kind: Application
metadata:
  name: themed
spec:
  theme: «n8n»
  environments: {base: {}}
)",
};

// The node and environment the templates refer to.
const char* const kBase = R"(apiVersion: dflow/v1
kind: Node
metadata: {name: base-1}
spec: {host: 203.0.113.1}
---
apiVersion: dflow/v1
kind: Environment
metadata: {name: base}
spec: {nodes: [base-1]}
)";

struct Case {
  std::string content;
  int line = 0;    // where the huge value starts
  int column = 0;  // 1-based
  std::string field;
};

// `text` with its «default» markers: the `target`-th replaced by `huge`, the others by their
// defaults. Fills line/column/field of the target.
Case Expand(const std::string& text, std::size_t target, const std::string& huge) {
  static const std::string kOpen = "«", kClose = "»";
  Case out;
  std::size_t index = 0;
  std::size_t pos = 0;
  while (true) {
    std::size_t open = text.find(kOpen, pos);
    if (open == std::string::npos) break;
    std::size_t close = text.find(kClose, open);
    out.content += text.substr(pos, open - pos);
    std::string value = text.substr(open + kOpen.size(), close - open - kOpen.size());
    if (index++ == target) {
      std::size_t line_start = out.content.rfind('\n');
      line_start = line_start == std::string::npos ? 0 : line_start + 1;
      out.line = 1 + static_cast<int>(std::count(out.content.begin(), out.content.end(), '\n'));
      out.column = 1 + static_cast<int>(out.content.size() - line_start);
      out.field = value;
      value = huge;
    }
    out.content += value;
    pos = close + kClose.size();
  }
  out.content += text.substr(pos);
  return out;
}

std::size_t Markers(const std::string& text) {
  std::size_t count = 0;
  for (std::size_t pos = text.find("«"); pos != std::string::npos; pos = text.find("«", pos + 1))
    ++count;
  return count;
}

// Values where any text is valid: a megabyte of it is accepted.
bool AcceptsAnyText(const std::string& field) {
  return field == "web-tier" || field == "A theme" || field == "SESSION_SECRET";
}

TEST_CASE("a megabyte scalar in any field of any kind gives a located error, not a crash") {
  std::size_t cases = 0;
  for (const char* text : kTemplates) {
    const std::size_t markers = Markers(text);
    for (std::size_t i = 0; i < markers; ++i) {
      // Plain text that starts like the default (so only the length is wrong), and plain
      // digits (which YAML 1.1 reads as an integer).
      for (int variant = 0; variant < 2; ++variant) {
        Case probe = Expand(text, i, "");
        std::string huge =
            variant == 0 ? probe.field + std::string(kHuge, 'a') : std::string(kHuge, '9');
        Case c = Expand(text, i, huge);
        CAPTURE(c.field);
        CAPTURE(variant);
        CAPTURE(c.line);
        SourceSnapshot snapshot;
        snapshot.files.push_back({"base.yaml", kBase, std::string(kBase).size(), false});
        snapshot.files.push_back({"huge.yaml", c.content, c.content.size(), false});
        LoadResult result = LoadDesiredState(snapshot);
        std::string text_out = test::DiagnosticsText(result.diagnostics);
        CHECK(text_out.size() < 4096);
        bool located = false;
        for (const Diagnostic& d : result.diagnostics) {
          CAPTURE(d.ToString());
          CHECK(d.file == "huge.yaml");  // nothing else is wrong
          CHECK(d.line > 0);
          // A key longer than YAML's 1024 characters is a syntax error on its line.
          const bool key_too_long = d.message.starts_with("YAML syntax error: ") &&
                                    d.hint == "a map key is at most 1024 characters; shorten it";
          if (d.line == c.line && (d.column == c.column || key_too_long)) located = true;
        }
        // A label value takes any scalar, a theme's description any string, a secret key
        // (for Dokku, an environment variable name) any length.
        if (AcceptsAnyText(c.field) && (variant == 0 || c.field == "web-tier")) {
          CHECK(result.diagnostics.empty());
        } else {
          CHECK_MESSAGE(located, text_out);
        }
        ++cases;
      }
    }
  }
  CHECK(cases > 90);
}

TEST_CASE("a megabyte key or value in the secrets file gives a located error, not a crash") {
  test::ScopedTempDir dir;
  const std::string path = (dir.path() / "secrets.yaml").string();
  // An explicit key ("? ") may be longer than YAML's 1024 characters for implicit ones.
  test::WriteFile(path, "production:\n  ? " + std::string(kHuge, 'K') + "-\n  : x\n");
  Result<SecretValues> bad_key = LoadSecretsFile(path);
  REQUIRE_FALSE(bad_key.ok());
  CHECK(bad_key.status().message().starts_with(path + ":2:5: invalid secret key 'KKKK"));
  CHECK(bad_key.status().message().size() < 200);

  test::WriteFile(path, "production:\n  ? " + std::string(kHuge, '7') + "\n  : x\n");
  Result<SecretValues> digits = LoadSecretsFile(path);
  REQUIRE_FALSE(digits.ok());
  CHECK(digits.status().message().starts_with(path + ":2:5: invalid secret key '7777"));

  test::WriteFile(path, "production:\n  ? " + std::string(kHuge, 'K') + "\n  : x\n");
  Result<SecretValues> long_key = LoadSecretsFile(path);
  REQUIRE(long_key.ok());  // a long key is still a key
  CHECK(long_key->at("production").count(std::string(kHuge, 'K')) == 1);
}

}  // namespace
}  // namespace dflow
