#include "reconciler/status/status_store.h"

#include <sqlite3.h>

#include <mutex>

#include "manifests-schema/base/error_text.h"

namespace dflow {
namespace {

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE IF NOT EXISTS reconciles(
  id INTEGER PRIMARY KEY AUTOINCREMENT, revision TEXT NOT NULL, trigger TEXT NOT NULL,
  started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL DEFAULT 0,
  result TEXT NOT NULL DEFAULT '', message TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS actions(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  reconcile_id INTEGER NOT NULL REFERENCES reconciles(id) ON DELETE CASCADE,
  node TEXT NOT NULL, app TEXT NOT NULL, action TEXT NOT NULL, result TEXT NOT NULL,
  duration_ms INTEGER NOT NULL, error TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS actions_by_reconcile ON actions(reconcile_id);
CREATE TABLE IF NOT EXISTS app_status(
  node TEXT NOT NULL, app TEXT NOT NULL, environment TEXT NOT NULL, application TEXT NOT NULL,
  service TEXT NOT NULL, sync TEXT NOT NULL, health TEXT NOT NULL, revision TEXT NOT NULL,
  last_error TEXT NOT NULL, updated_at INTEGER NOT NULL, synced_at INTEGER NOT NULL,
  PRIMARY KEY(node, app));
CREATE TABLE IF NOT EXISTS source_status(
  id INTEGER PRIMARY KEY CHECK(id = 1), applied_revision TEXT NOT NULL,
  applied_author TEXT NOT NULL, applied_message TEXT NOT NULL,
  attempted_revision TEXT NOT NULL, error TEXT NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS edge_status(
  edge TEXT PRIMARY KEY, environments TEXT NOT NULL, sync TEXT NOT NULL, health TEXT NOT NULL,
  detail TEXT NOT NULL, problems TEXT NOT NULL, file_sha256 TEXT NOT NULL,
  traefik_version TEXT NOT NULL, revision TEXT NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS releases(
  id INTEGER PRIMARY KEY AUTOINCREMENT, node TEXT NOT NULL, app TEXT NOT NULL,
  environment TEXT NOT NULL, application TEXT NOT NULL, service TEXT NOT NULL,
  source TEXT NOT NULL, config_digest TEXT NOT NULL, revision TEXT NOT NULL,
  trigger TEXT NOT NULL, started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL,
  result TEXT NOT NULL, message TEXT NOT NULL, build_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS releases_by_app ON releases(app, environment, id);
CREATE TABLE IF NOT EXISTS rollback_pins(
  application TEXT NOT NULL, environment TEXT NOT NULL, service TEXT NOT NULL,
  key TEXT NOT NULL, value TEXT NOT NULL, release_id INTEGER NOT NULL,
  pinned_against TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY(application, environment, service));
CREATE TABLE IF NOT EXISTS create_intents(
  node TEXT NOT NULL, app TEXT NOT NULL, marker TEXT NOT NULL, PRIMARY KEY(node, app));
)sql";

// A prepared statement bound positionally; finalised on destruction.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool valid() const { return stmt_ != nullptr; }
  Statement& Bind(const std::string& value) {
    sqlite3_bind_text(stmt_, ++index_, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(std::int64_t value) {
    sqlite3_bind_int64(stmt_, ++index_, value);
    return *this;
  }
  int Step() { return sqlite3_step(stmt_); }
  std::string Text(int column) const {
    const auto* text = sqlite3_column_text(stmt_, column);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }
  std::int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int index_ = 0;
};

// Environment names never hold a space (they are DNS labels), so a space-joined list is exact.
std::string JoinNames(const std::vector<std::string>& names) {
  std::string joined;
  for (const auto& name : names) joined += (joined.empty() ? "" : " ") + name;
  return joined;
}

std::vector<std::string> SplitNames(const std::string& joined) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start < joined.size()) {
    std::size_t end = joined.find(' ', start);
    if (end == std::string::npos) end = joined.size();
    if (end > start) names.push_back(joined.substr(start, end - start));
    start = end + 1;
  }
  return names;
}

bool HasColumn(sqlite3* db, const std::string& table, const std::string& column) {
  Statement s(db, ("PRAGMA table_info(" + table + ")").c_str());
  while (s.Step() == SQLITE_ROW)
    if (s.Text(1) == column) return true;
  return false;
}

// Stores written by an older dflow gain the columns added since (SQLite has no
// "ADD COLUMN IF NOT EXISTS").
bool AddMissingColumns(sqlite3* db, char** error) {
  const std::pair<const char*, const char*> columns[] = {
      {"node", "ALTER TABLE reconciles ADD COLUMN node TEXT NOT NULL DEFAULT ''"},
      {"passes", "ALTER TABLE reconciles ADD COLUMN passes INTEGER NOT NULL DEFAULT 1"}};
  for (const auto& [name, sql] : columns)
    if (!HasColumn(db, "reconciles", name) &&
        sqlite3_exec(db, sql, nullptr, nullptr, error) != SQLITE_OK)
      return false;
  return true;
}

class SqliteStatusStore final : public StatusStore {
 public:
  explicit SqliteStatusStore(sqlite3* db) : db_(db) {}
  ~SqliteStatusStore() override { sqlite3_close(db_); }

  Result<std::int64_t> BeginReconcile(const ReconcileRecord& r) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "INSERT INTO reconciles(revision, trigger, started_at, node) VALUES(?,?,?,?)");
    s.Bind(r.revision).Bind(r.trigger).Bind(r.started_at).Bind(r.node);
    if (s.Step() != SQLITE_DONE) return Error("begin reconcile");
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
  }

  Status RecordQuietPass(const ReconcileRecord& r) override {
    std::lock_guard lock(mutex_);
    Statement newest(db_,
                     "SELECT id, revision, result, message FROM reconciles WHERE node=? "
                     "ORDER BY id DESC LIMIT 1");
    newest.Bind(r.node);
    if (newest.Step() == SQLITE_ROW && newest.Text(1) == r.revision && newest.Text(2) == r.result &&
        newest.Text(3) == BoundErrorText(r.message)) {
      Statement fold(db_, "UPDATE reconciles SET passes=passes+1, finished_at=? WHERE id=?");
      fold.Bind(r.finished_at).Bind(newest.Int(0));
      return Done(fold, "record quiet pass");
    }
    Statement insert(db_,
                     "INSERT INTO reconciles(revision, trigger, started_at, finished_at, result, "
                     "message, node) VALUES(?,?,?,?,?,?,?)");
    insert.Bind(r.revision).Bind(r.trigger).Bind(r.started_at).Bind(r.finished_at);
    insert.Bind(r.result).Bind(BoundErrorText(r.message)).Bind(r.node);
    return Done(insert, "record quiet pass");
  }

  Status FinishReconcile(std::int64_t id, const std::string& result, const std::string& message,
                         std::int64_t finished_at) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "UPDATE reconciles SET result=?, message=?, finished_at=? WHERE id=?");
    s.Bind(result).Bind(BoundErrorText(message)).Bind(finished_at).Bind(id);
    return Done(s, "finish reconcile");
  }

  Status RecordAction(const ActionRecord& a) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "INSERT INTO actions(reconcile_id, node, app, action, result, duration_ms, "
                "error, at) VALUES(?,?,?,?,?,?,?,?)");
    s.Bind(a.reconcile_id).Bind(a.node).Bind(a.app).Bind(a.action).Bind(a.result);
    s.Bind(a.duration_ms).Bind(BoundErrorText(a.error)).Bind(a.at);
    return Done(s, "record action");
  }

  Status PutAppStatus(const AppStatusRecord& r) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "INSERT OR REPLACE INTO app_status(node, app, environment, application, "
                "service, sync, health, revision, last_error, updated_at, synced_at) "
                "VALUES(?,?,?,?,?,?,?,?,?,?,?)");
    s.Bind(r.node).Bind(r.app).Bind(r.environment).Bind(r.application).Bind(r.service);
    s.Bind(r.sync).Bind(r.health).Bind(r.revision).Bind(BoundErrorText(r.last_error));
    s.Bind(r.updated_at);
    s.Bind(r.synced_at);
    return Done(s, "store app status");
  }

  Status RemoveAppStatus(const std::string& node, const std::string& app) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "DELETE FROM app_status WHERE node=? AND app=?");
    s.Bind(node).Bind(app);
    return Done(s, "remove app status");
  }

  Status PutSourceStatus(const SourceStatusRecord& r) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "INSERT OR REPLACE INTO source_status(id, applied_revision, applied_author, "
                "applied_message, attempted_revision, error, updated_at) "
                "VALUES(1,?,?,?,?,?,?)");
    s.Bind(r.applied_revision).Bind(r.applied_author).Bind(r.applied_message);
    s.Bind(r.attempted_revision).Bind(BoundErrorText(r.error)).Bind(r.updated_at);
    return Done(s, "store source status");
  }

  Status PutEdgeStatus(const EdgeStatusRecord& r) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "INSERT OR REPLACE INTO edge_status(edge, environments, sync, health, detail, "
                "problems, file_sha256, traefik_version, revision, updated_at) "
                "VALUES(?,?,?,?,?,?,?,?,?,?)");
    s.Bind(r.edge).Bind(JoinNames(r.environments)).Bind(r.sync).Bind(r.health).Bind(r.detail);
    s.Bind(BoundErrorText(r.problems)).Bind(r.file_sha256).Bind(r.traefik_version);
    s.Bind(r.revision).Bind(r.updated_at);
    return Done(s, "store edge status");
  }

  Status RemoveEdgeStatus(const std::string& edge) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "DELETE FROM edge_status WHERE edge=?");
    s.Bind(edge);
    return Done(s, "remove edge status");
  }

  Result<std::vector<EdgeStatusRecord>> EdgeStatuses() override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "SELECT edge, environments, sync, health, detail, problems, file_sha256, "
                "traefik_version, revision, updated_at FROM edge_status ORDER BY edge");
    std::vector<EdgeStatusRecord> records;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      records.push_back({s.Text(0), SplitNames(s.Text(1)), s.Text(2), s.Text(3), s.Text(4),
                         s.Text(5), s.Text(6), s.Text(7), s.Text(8), s.Int(9)});
    }
    if (rc != SQLITE_DONE) return Error("read edge status");
    return records;
  }

  Result<std::vector<AppStatusRecord>> AppStatuses() override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "SELECT node, app, environment, application, service, sync, health, revision, "
                "last_error, updated_at, synced_at FROM app_status "
                "ORDER BY environment, application, service, node");
    std::vector<AppStatusRecord> records;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      records.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5),
                         s.Text(6), s.Text(7), s.Text(8), s.Int(9), s.Int(10)});
    }
    if (rc != SQLITE_DONE) return Error("read app status");
    return records;
  }

  Result<SourceStatusRecord> SourceStatus() override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "SELECT applied_revision, applied_author, applied_message, attempted_revision, "
                "error, updated_at FROM source_status WHERE id=1");
    SourceStatusRecord record;
    int rc = s.Step();
    if (rc == SQLITE_ROW)
      record = {s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Int(5)};
    else if (rc != SQLITE_DONE)
      return Error("read source status");
    return record;
  }

  Result<std::vector<std::pair<ReconcileRecord, std::vector<ActionRecord>>>> History(
      int limit, bool changes_only) override {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<ReconcileRecord, std::vector<ActionRecord>>> history;
    Statement s(db_, changes_only
                         ? "SELECT id, revision, trigger, started_at, finished_at, result, "
                           "message, node, passes FROM reconciles WHERE result NOT IN "
                           "('converged', 'unreachable', 'observe-failed', 'stalled', 'waiting', "
                           "'refused') ORDER BY id DESC LIMIT ?"
                         : "SELECT id, revision, trigger, started_at, finished_at, result, "
                           "message, node, passes FROM reconciles ORDER BY id DESC LIMIT ?");
    s.Bind(static_cast<std::int64_t>(limit));
    while (s.Step() == SQLITE_ROW) {
      ReconcileRecord r{s.Int(0),  s.Text(1), s.Text(2), s.Int(3), s.Int(4),
                        s.Text(5), s.Text(6), s.Text(7), s.Int(8)};
      history.emplace_back(r, std::vector<ActionRecord>{});
    }
    for (auto& [reconcile, actions] : history) {
      Statement a(db_,
                  "SELECT node, app, action, result, duration_ms, error, at FROM actions "
                  "WHERE reconcile_id=? ORDER BY id");
      a.Bind(reconcile.id);
      while (a.Step() == SQLITE_ROW) {
        actions.push_back({reconcile.id, a.Text(0), a.Text(1), a.Text(2), a.Text(3), a.Int(4),
                           a.Text(5), a.Int(6)});
      }
    }
    return history;
  }

  Result<std::int64_t> RecordRelease(const ReleaseRecord& r) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "INSERT INTO releases(node, app, environment, application, service, source, "
                "config_digest, revision, trigger, started_at, finished_at, result, message, "
                "build_id) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    s.Bind(r.node).Bind(r.app).Bind(r.environment).Bind(r.application).Bind(r.service);
    s.Bind(r.source).Bind(r.config_digest).Bind(r.revision).Bind(r.trigger);
    s.Bind(r.started_at).Bind(r.finished_at).Bind(r.result).Bind(BoundErrorText(r.message));
    s.Bind(r.build_id);
    if (s.Step() != SQLITE_DONE) return Error("record release");
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
  }

  Result<std::vector<ReleaseRecord>> Releases(const std::string& app,
                                              const std::string& environment, int limit) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "SELECT id, node, app, environment, application, service, source, config_digest, "
                "revision, trigger, started_at, finished_at, result, message, build_id "
                "FROM releases WHERE (?1 = '' OR app = ?1 OR application = ?1) "
                "AND (?2 = '' OR environment = ?2) ORDER BY id DESC LIMIT ?3");
    s.Bind(app).Bind(environment).Bind(static_cast<std::int64_t>(limit));
    std::vector<ReleaseRecord> records;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW)
      records.push_back({s.Int(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5), s.Text(6),
                         s.Text(7), s.Text(8), s.Text(9), s.Int(10), s.Int(11), s.Text(12),
                         s.Text(13), s.Text(14)});
    if (rc != SQLITE_DONE) return Error("read releases");
    return records;
  }

  Result<std::vector<std::string>> AppsAwaitingBuildId(const std::string& node) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "SELECT app FROM releases r WHERE node=? AND result='ok' AND build_id='' AND "
                "id = (SELECT MAX(id) FROM releases WHERE node=r.node AND app=r.app) ORDER BY app");
    s.Bind(node);
    std::vector<std::string> apps;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) apps.push_back(s.Text(0));
    if (rc != SQLITE_DONE) return Error("read releases awaiting a build id");
    return apps;
  }

  Status SetReleaseBuildId(const std::string& node, const std::string& app,
                           const std::string& build_id) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "UPDATE releases SET build_id=? WHERE build_id='' AND id = "
                "(SELECT MAX(id) FROM releases WHERE node=? AND app=?)");
    s.Bind(build_id).Bind(node).Bind(app);
    return Done(s, "set release build id");
  }

  Status PutIntent(const CreateIntent& intent) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "INSERT OR REPLACE INTO create_intents(node, app, marker) VALUES(?,?,?)");
    s.Bind(intent.node).Bind(intent.app).Bind(intent.marker);
    return Done(s, "record create intent");
  }

  Status RemoveIntent(const std::string& node, const std::string& app) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "DELETE FROM create_intents WHERE node=? AND app=?");
    s.Bind(node).Bind(app);
    return Done(s, "remove create intent");
  }

  Result<std::vector<CreateIntent>> Intents(const std::string& node) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT node, app, marker FROM create_intents WHERE node=? ORDER BY app");
    s.Bind(node);
    std::vector<CreateIntent> intents;
    while (s.Step() == SQLITE_ROW) intents.push_back({s.Text(0), s.Text(1), s.Text(2)});
    return intents;
  }

  Status PutPin(const RollbackPinRecord& p) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "INSERT OR REPLACE INTO rollback_pins(application, environment, service, key, "
                "value, release_id, pinned_against, created_at) VALUES(?,?,?,?,?,?,?,?)");
    s.Bind(p.application).Bind(p.environment).Bind(p.service).Bind(p.key).Bind(p.value);
    s.Bind(p.release_id).Bind(p.pinned_against).Bind(p.created_at);
    return Done(s, "record rollback pin");
  }

  Status RemovePin(const std::string& application, const std::string& environment,
                   const std::string& service) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "DELETE FROM rollback_pins WHERE application=? AND environment=? AND service=?");
    s.Bind(application).Bind(environment).Bind(service);
    return Done(s, "remove rollback pin");
  }

  Result<std::vector<RollbackPinRecord>> Pins() override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "SELECT application, environment, service, key, value, release_id, "
                "pinned_against, created_at FROM rollback_pins "
                "ORDER BY environment, application, service");
    std::vector<RollbackPinRecord> pins;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW)
      pins.push_back(
          {s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Int(5), s.Text(6), s.Int(7)});
    if (rc != SQLITE_DONE) return Error("read rollback pins");
    return pins;
  }

  Status MarkInterrupted(std::int64_t now) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "UPDATE reconciles SET result='interrupted', finished_at=?, "
                "message='the controller stopped during this reconcile' WHERE finished_at=0");
    s.Bind(now);
    return Done(s, "mark interrupted reconciles");
  }

  Status Prune(int keep) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "DELETE FROM reconciles WHERE id NOT IN "
                "(SELECT id FROM reconciles ORDER BY id DESC LIMIT ?)");
    s.Bind(static_cast<std::int64_t>(keep));
    if (Status pruned = Done(s, "prune history"); !pruned.ok()) return pruned;
    Statement releases(db_,
                       "DELETE FROM releases WHERE id NOT IN "
                       "(SELECT id FROM releases ORDER BY id DESC LIMIT ?)");
    releases.Bind(static_cast<std::int64_t>(keep));
    return Done(releases, "prune releases");
  }

 private:
  Status Error(const std::string& what) const {
    return Status(Code::kUnavailable, "status store: " + what + ": " + sqlite3_errmsg(db_));
  }
  Status Done(Statement& s, const std::string& what) {
    if (!s.valid() || s.Step() != SQLITE_DONE) return Error(what);
    return Status::Ok();
  }

  std::mutex mutex_;
  sqlite3* db_;  // GUARDED_BY(mutex_)
};

}  // namespace

Result<std::unique_ptr<StatusStore>> StatusStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status(Code::kUnavailable, "open status store " + path + ": " + message);
  }
  sqlite3_busy_timeout(db, 5000);
  char* error = nullptr;
  if (sqlite3_exec(db, "PRAGMA foreign_keys=ON;", nullptr, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_exec(db, kSchema, nullptr, nullptr, &error) != SQLITE_OK ||
      !AddMissingColumns(db, &error)) {
    std::string message = error ? error : sqlite3_errmsg(db);
    sqlite3_free(error);
    sqlite3_close(db);
    return Status(Code::kUnavailable, "initialise status store " + path + ": " + message);
  }
  return std::unique_ptr<StatusStore>(new SqliteStatusStore(db));
}

}  // namespace dflow
