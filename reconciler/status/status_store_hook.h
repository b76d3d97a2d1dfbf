// A status store that calls a function after each write it forwards, so that the controller
// learns "the record changed" without every writer having to say so (the status publisher
// refreshes its snapshot from that).
#pragma once

#include <functional>
#include <memory>

#include "reconciler/status/status_store.h"

namespace dflow {

// `inner` with `after_write` called after every write (whatever its result); reads pass
// through untouched.
std::unique_ptr<StatusStore> WithWriteHook(std::unique_ptr<StatusStore> inner,
                                           std::function<void()> after_write);

}  // namespace dflow
