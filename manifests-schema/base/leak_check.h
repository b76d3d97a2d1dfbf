// LeaksIgnoredHere: LeakSanitizer ignores what the current thread allocates while one is alive.
// Only for calls into system libraries that leak by design or by a known bug we cannot fix
// (each use says which); everything else dflow allocates stays checked. A no-op outside
// sanitizer builds. It replaces stack-matching suppressions, which need whole stacks
// (fast_unwind_on_malloc=0) through libraries without frame pointers and made the sanitizer
// test run several times slower.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define DFLOW_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DFLOW_LSAN 1
#endif
#endif

#if defined(DFLOW_LSAN)
#include <sanitizer/lsan_interface.h>
#endif

namespace dflow {

class LeaksIgnoredHere {
 public:
#if defined(DFLOW_LSAN)
  LeaksIgnoredHere() { __lsan_disable(); }
  ~LeaksIgnoredHere() { __lsan_enable(); }
#else
  LeaksIgnoredHere() {}   // user-provided, so that an unused-variable warning never fires
  ~LeaksIgnoredHere() {}  // on the RAII object
#endif
  LeaksIgnoredHere(const LeaksIgnoredHere&) = delete;
  LeaksIgnoredHere& operator=(const LeaksIgnoredHere&) = delete;
};

}  // namespace dflow
