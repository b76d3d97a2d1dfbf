// The edge file against a real sshd, logged in as a shell user (the edge is not a Dokku host):
// atomic replacement as an inotify watcher sees it, hash-equal writes skipped, failed and cut
// writes leaving the old file byte-identical.
#include "providers/edge/edge_file.h"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "manifests-schema/base/digest.h"
#include "providers/ssh/ssh_transport.h"
#include "tests/providers/edge/edge_transport.h"
#include "tests/support/process.h"
#include "tests/support/sshd_fixture.h"

namespace dflow {
namespace {

namespace fs = std::filesystem;

std::string Document(int version, std::size_t padding = 0) {
  return "# dflow owns this file\nhttp:\n  routers:\n    r" + std::to_string(version) +
         ":\n      rule: \"Host(`a.example.com`)\"\n      service: s\n" +
         std::string(padding, '#') + "\n";
}

// Records what a watcher of the directory sees.
class Watcher {
 public:
  explicit Watcher(const fs::path& dir) : fd_(inotify_init1(IN_NONBLOCK)) {
    REQUIRE(fd_ >= 0);
    REQUIRE(inotify_add_watch(fd_, dir.c_str(),
                              IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO) >= 0);
  }
  ~Watcher() { close(fd_); }
  // Every event on `name` so far, as "create", "modify", "close-write" or "moved-to".
  std::vector<std::string> EventsOn(const std::string& name) {
    Drain();
    std::vector<std::string> seen;
    for (const auto& [file, kind] : events_)
      if (file == name) seen.push_back(kind);
    return seen;
  }

 private:
  void Drain() {
    alignas(inotify_event) char buffer[64 * 1024];
    for (;;) {
      ssize_t n = read(fd_, buffer, sizeof buffer);
      if (n <= 0) break;
      for (char* p = buffer; p < buffer + n;) {
        auto* event = reinterpret_cast<inotify_event*>(p);
        if (event->len > 0) {
          const std::string file = event->name;
          if (event->mask & IN_CREATE) events_.emplace_back(file, "create");
          if (event->mask & IN_MODIFY) events_.emplace_back(file, "modify");
          if (event->mask & IN_CLOSE_WRITE) events_.emplace_back(file, "close-write");
          if (event->mask & IN_MOVED_TO) events_.emplace_back(file, "moved-to");
        }
        p += sizeof(inotify_event) + event->len;
      }
    }
  }

  std::vector<std::pair<std::string, std::string>> events_;  // (file, kind) in order
 private:
  int fd_;
};

// A transport that loses the end of what it sends on stdin, as a connection cut mid-transfer.
class CutStdin final : public Transport {
 public:
  explicit CutStdin(Transport& inner) : inner_(inner) {}
  Result<ExecResult> RunDokku(const std::vector<std::string>& argv,
                              const ExecOptions& options) override {
    ExecOptions cut = options;
    cut.stdin_data = cut.stdin_data.substr(0, cut.stdin_data.size() / 2);
    return inner_.RunDokku(argv, cut);
  }
  std::string Describe() const override { return inner_.Describe(); }
  TransportStats Stats() const override { return inner_.Stats(); }

 private:
  Transport& inner_;
};

TEST_CASE("edge file: written atomically, a watcher only ever sees the rename onto the name") {
  test::SshdNode sshd;
  test::ScopedTempDir dir;
  test::WriteFile(dir.path() / "other.yaml", "http: {}\n");
  test::WriteFile(dir.path() / "notes.txt", "not a provider file\n");
  auto edge = test::EdgeTransport(sshd);

  Result<EdgeFileState> before = ReadEdgeFile(*edge, dir.path().string(), "dflow.yml");
  REQUIRE_MESSAGE(before.ok(), before.status().ToString());
  CHECK_FALSE(before->exists);
  CHECK(before->other_files == std::vector<std::string>{"other.yaml"});

  Watcher watcher(dir.path());
  for (int version = 1; version <= 3; ++version) {
    const std::string document = Document(version, 512 * 1024);  // many writes on the pipe
    Result<bool> wrote = WriteEdgeFile(*edge, dir.path().string(), "dflow.yml", document);
    REQUIRE_MESSAGE(wrote.ok(), wrote.status().ToString());
    CHECK(*wrote);
    CHECK(test::ReadFile(dir.path() / "dflow.yml") == document);
  }
  CHECK(watcher.EventsOn("dflow.yml") ==
        std::vector<std::string>{"moved-to", "moved-to", "moved-to"});
  CHECK_FALSE(watcher.EventsOn(".dflow.yml.tmp").empty());  // where the bytes really went
  CHECK_FALSE(fs::exists(dir.path() / ".dflow.yml.tmp"));
  struct stat st {};
  REQUIRE(stat((dir.path() / "dflow.yml").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);

  Result<EdgeFileState> after = ReadEdgeFile(*edge, dir.path().string(), "dflow.yml");
  REQUIRE(after.ok());
  CHECK(after->exists);
  CHECK(after->sha256 == Sha256Hex(Document(3, 512 * 1024)));
}

TEST_CASE("edge file: the same document again writes nothing") {
  test::SshdNode sshd;
  test::ScopedTempDir dir;
  auto edge = test::EdgeTransport(sshd);
  REQUIRE(*WriteEdgeFile(*edge, dir.path().string(), "dflow.yml", Document(1)));
  struct stat first {};
  REQUIRE(stat((dir.path() / "dflow.yml").c_str(), &first) == 0);
  Watcher watcher(dir.path());
  Result<bool> again = WriteEdgeFile(*edge, dir.path().string(), "dflow.yml", Document(1));
  REQUIRE(again.ok());
  CHECK_FALSE(*again);
  CHECK(watcher.EventsOn("dflow.yml").empty());
  CHECK(watcher.EventsOn(".dflow.yml.tmp").empty());
  struct stat second {};
  REQUIRE(stat((dir.path() / "dflow.yml").c_str(), &second) == 0);
  CHECK(second.st_ino == first.st_ino);
}

TEST_CASE("edge file: a cut transfer or a failed write leaves the old file byte-identical") {
  test::SshdNode sshd;
  test::ScopedTempDir dir;
  auto edge = test::EdgeTransport(sshd);
  REQUIRE(*WriteEdgeFile(*edge, dir.path().string(), "dflow.yml", Document(1)));

  CutStdin cut(*edge);
  Result<bool> partial = WriteEdgeFile(cut, dir.path().string(), "dflow.yml", Document(2, 4096));
  CHECK(partial.status().code() == Code::kFailed);
  CHECK(partial.status().message().find("received bytes do not match") != std::string::npos);
  CHECK(test::ReadFile(dir.path() / "dflow.yml") == Document(1));
  CHECK_FALSE(fs::exists(dir.path() / ".dflow.yml.tmp"));

  // The temp file cannot be written (tests may run as root, which ignores permissions).
  fs::create_directory(dir.path() / ".dflow.yml.tmp");
  Result<bool> refused = WriteEdgeFile(*edge, dir.path().string(), "dflow.yml", Document(3));
  CHECK(refused.status().code() == Code::kFailed);
  CHECK(refused.status().message().find("writing " + dir.path().string() + "/dflow.yml: exit ") !=
        std::string::npos);
  CHECK(test::ReadFile(dir.path() / "dflow.yml") == Document(1));
}

TEST_CASE("edge file: an empty document is refused, a missing directory is named") {
  test::SshdNode sshd;
  test::ScopedTempDir dir;
  auto edge = test::EdgeTransport(sshd);
  Result<bool> empty = WriteEdgeFile(*edge, dir.path().string(), "dflow.yml", " \n\n");
  CHECK(empty.status().code() == Code::kInvalidArgument);
  CHECK_FALSE(fs::exists(dir.path() / "dflow.yml"));
  const std::string missing = (dir.path() / "no such dir; $(touch x)").string();
  Result<EdgeFileState> read = ReadEdgeFile(*edge, missing, "dflow.yml");
  CHECK(read.status().code() == Code::kNotFound);
  CHECK(read.status().message().find("the directory " + missing + " does not exist") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(dir.path() / "x"));
  CHECK_FALSE(fs::exists(fs::current_path() / "x"));
}

}  // namespace
}  // namespace dflow
