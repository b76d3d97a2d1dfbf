#include "reconciler/status/status_store_hook.h"

namespace dflow {
namespace {

class HookedStatusStore final : public StatusStore {
 public:
  HookedStatusStore(std::unique_ptr<StatusStore> inner, std::function<void()> after_write)
      : inner_(std::move(inner)), after_write_(std::move(after_write)) {}

  Result<std::int64_t> BeginReconcile(const ReconcileRecord& record) override {
    return Written(inner_->BeginReconcile(record));
  }
  Status FinishReconcile(std::int64_t id, const std::string& result, const std::string& message,
                         std::int64_t finished_at) override {
    return Written(inner_->FinishReconcile(id, result, message, finished_at));
  }
  Status RecordAction(const ActionRecord& record) override {
    return Written(inner_->RecordAction(record));
  }
  Status PutAppStatus(const AppStatusRecord& record) override {
    return Written(inner_->PutAppStatus(record));
  }
  Status RemoveAppStatus(const std::string& node, const std::string& app) override {
    return Written(inner_->RemoveAppStatus(node, app));
  }
  Status PutSourceStatus(const SourceStatusRecord& record) override {
    return Written(inner_->PutSourceStatus(record));
  }
  Status PutEdgeStatus(const EdgeStatusRecord& record) override {
    return Written(inner_->PutEdgeStatus(record));
  }
  Status RemoveEdgeStatus(const std::string& edge) override {
    return Written(inner_->RemoveEdgeStatus(edge));
  }
  Result<std::int64_t> RecordRelease(const ReleaseRecord& record) override {
    return Written(inner_->RecordRelease(record));
  }
  Status SetReleaseBuildId(const std::string& node, const std::string& app,
                           const std::string& build_id) override {
    return Written(inner_->SetReleaseBuildId(node, app, build_id));
  }
  Result<std::vector<ReleaseRecord>> Releases(const std::string& app,
                                              const std::string& environment, int limit) override {
    return inner_->Releases(app, environment, limit);
  }
  Result<std::vector<std::string>> AppsAwaitingBuildId(const std::string& node) override {
    return inner_->AppsAwaitingBuildId(node);
  }
  Status RecordQuietPass(const ReconcileRecord& record) override {
    return Written(inner_->RecordQuietPass(record));
  }
  Status MarkInterrupted(std::int64_t now) override {
    return Written(inner_->MarkInterrupted(now));
  }
  Status Prune(int keep) override { return Written(inner_->Prune(keep)); }
  // Intents are not shown anywhere, so writing them refreshes nothing.
  Status PutPin(const RollbackPinRecord& pin) override { return Written(inner_->PutPin(pin)); }
  Status RemovePin(const std::string& application, const std::string& environment,
                   const std::string& service) override {
    return Written(inner_->RemovePin(application, environment, service));
  }
  Result<std::vector<RollbackPinRecord>> Pins() override { return inner_->Pins(); }
  Status PutIntent(const CreateIntent& intent) override { return inner_->PutIntent(intent); }
  Status RemoveIntent(const std::string& node, const std::string& app) override {
    return inner_->RemoveIntent(node, app);
  }

  Result<std::vector<AppStatusRecord>> AppStatuses() override { return inner_->AppStatuses(); }
  Result<std::vector<EdgeStatusRecord>> EdgeStatuses() override { return inner_->EdgeStatuses(); }
  Result<SourceStatusRecord> SourceStatus() override { return inner_->SourceStatus(); }
  Result<std::vector<std::pair<ReconcileRecord, std::vector<ActionRecord>>>> History(
      int limit, bool changes_only) override {
    return inner_->History(limit, changes_only);
  }
  Result<std::vector<CreateIntent>> Intents(const std::string& node) override {
    return inner_->Intents(node);
  }

 private:
  template <typename T>
  T Written(T result) {
    after_write_();
    return result;
  }

  std::unique_ptr<StatusStore> inner_;
  std::function<void()> after_write_;
};

}  // namespace

std::unique_ptr<StatusStore> WithWriteHook(std::unique_ptr<StatusStore> inner,
                                           std::function<void()> after_write) {
  return std::make_unique<HookedStatusStore>(std::move(inner), std::move(after_write));
}

}  // namespace dflow
