// The publisher keeps the served snapshot behind the store: a write through the hooked store
// shows in a later snapshot, and a burst of writes costs a few reads, not one per write.
#include "reconciler/status/status_publisher.h"

#include <doctest/doctest.h>

#include <atomic>

#include "reconciler/status/status_store_hook.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace dflow {
namespace {

constexpr std::int64_t kPublishedAt = 5000;

AppStatusRecord ShopApp(const std::string& name, const std::string& sync) {
  return {"node-1",  name,  "production", "shop",       "web",       sync,
          "Healthy", "abc", "",           kPublishedAt, kPublishedAt};
}

struct PublisherRig {
  test::ScopedTempDir dir;
  std::unique_ptr<StatusStore> store;
  std::unique_ptr<StatusPublisher> publisher;
  std::atomic<int> writes{0};

  explicit PublisherRig(std::chrono::milliseconds gap) {
    auto opened = StatusStore::Open((dir.path() / "state.db").string());
    REQUIRE(opened.ok());
    store = WithWriteHook(std::move(opened).value(), [this] {
      ++writes;
      if (publisher) publisher->MarkChanged();
    });
    publisher = std::make_unique<StatusPublisher>(*store, gap, [] { return kPublishedAt; });
  }
};

std::string SnapshotSyncOf(const StatusSnapshot& snapshot, const std::string& app) {
  for (const auto& record : snapshot.apps)
    if (record.app == app) return record.sync;
  return "<absent>";
}

TEST_CASE("a write shows in a later snapshot, the one before it is never changed") {
  PublisherRig rig(std::chrono::milliseconds(0));
  REQUIRE(rig.store->PutAppStatus(ShopApp("shop-web", "OutOfSync")).ok());
  REQUIRE(rig.publisher->Start().ok());
  const auto first = rig.publisher->Current();
  REQUIRE(first);
  CHECK(SnapshotSyncOf(*first, "shop-web") == "OutOfSync");
  CHECK(first->status_json.find("\"shop-web\"") != std::string::npos);
  CHECK(first->taken_at == kPublishedAt);

  REQUIRE(rig.store->PutAppStatus(ShopApp("shop-web", "Synced")).ok());
  REQUIRE(test::WaitUntil(
      [&] { return SnapshotSyncOf(*rig.publisher->Current(), "shop-web") == "Synced"; },
      std::chrono::seconds(20)));
  CHECK(SnapshotSyncOf(*first, "shop-web") == "OutOfSync");  // readers holding it see what they saw

  ReconcileRecord pass;
  pass.revision = "abc";
  pass.trigger = "interval";
  pass.node = "node-1";
  pass.started_at = kPublishedAt;
  auto id = rig.store->BeginReconcile(pass);
  REQUIRE(id.ok());
  REQUIRE(rig.store
              ->RecordAction(
                  {*id, "node-1", "shop-web", "apps:create shop-web", "ok", 5, "", kPublishedAt})
              .ok());
  REQUIRE(rig.store->FinishReconcile(*id, "ok", "", kPublishedAt).ok());
  REQUIRE(rig.store
              ->RecordQuietPass(
                  {0, "abc", "interval", kPublishedAt, kPublishedAt, "converged", "", "node-1", 1})
              .ok());
  REQUIRE(test::WaitUntil(
      [&] {
        const auto now = rig.publisher->Current();
        return now->history.size() == 2 && now->changes.size() == 1;
      },
      std::chrono::seconds(20)));
  const auto last = rig.publisher->Current();
  CHECK(last->history.front().first.result == "converged");  // newest first
  CHECK(last->changes.front().first.result == "ok");         // the quiet pass left out
  REQUIRE(last->changes.front().second.size() == 1);
  CHECK(last->changes.front().second.front().action == "apps:create shop-web");
}

TEST_CASE("a burst of writes is folded into a few snapshots, and the last write is in one") {
  PublisherRig rig(std::chrono::milliseconds(100));
  REQUIRE(rig.publisher->Start().ok());
  const std::uint64_t before = rig.publisher->published();
  for (int i = 0; i < 200; ++i)
    REQUIRE(rig.store->PutAppStatus(ShopApp("app-" + std::to_string(i), "Synced")).ok());
  REQUIRE(test::WaitUntil([&] { return rig.publisher->Current()->apps.size() == 200; },
                          std::chrono::seconds(20)));
  CHECK(rig.writes == 200);
  // Each snapshot waits the gap after the last, so 200 quick writes cannot take 200 reads.
  CHECK(rig.publisher->published() - before < 200);
}

TEST_CASE("intents are not shown, so writing them publishes nothing new") {
  PublisherRig rig(std::chrono::milliseconds(0));
  REQUIRE(rig.publisher->Start().ok());
  REQUIRE(rig.store->PutIntent({"node-1", "shop-web", "marker"}).ok());
  REQUIRE(rig.store->RemoveIntent("node-1", "shop-web").ok());
  CHECK(rig.writes == 0);
}

}  // namespace
}  // namespace dflow
