// How many node passes run at once (the controller config's `concurrency`). Each node has its
// own loop; a loop takes a slot for its pass and gives it back after, so a large fleet does
// not open hundreds of SSH sessions and Dokku runs at the same moment. The limit can change
// while loops wait (a SIGHUP reload). Slots go to waiters in the order they asked: a loop whose
// pass just ended cannot take the slot straight back while another node's loop waits (with
// `concurrency: 1` that starved every node but the first).
#pragma once

#include <condition_variable>
#include <mutex>

namespace dflow {

class PassSlots {
 public:
  explicit PassSlots(int limit);

  // A new limit (at least 1). Raising it lets waiters start at once; lowering it lets the
  // passes in flight finish, and no new one starts until fewer than `limit` run.
  void SetLimit(int limit);

  // Blocks until a slot is free and every earlier caller has had one, then takes it. False
  // after Shutdown (no slot taken).
  bool Acquire();
  void Release();

  // Wakes every waiter; Acquire returns false from now on.
  void Shutdown();

  int in_use() const;
  int waiting() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  int limit_;                      // GUARDED_BY(mutex_)
  int in_use_ = 0;                 // GUARDED_BY(mutex_)
  int waiting_ = 0;                // GUARDED_BY(mutex_)
  unsigned long next_ticket_ = 0;  // GUARDED_BY(mutex_): the next caller's place in line
  unsigned long serving_ = 0;      // GUARDED_BY(mutex_): the place in line served next
  bool shutdown_ = false;          // GUARDED_BY(mutex_)
};

// Holds one slot for a scope, if it got one.
class PassSlot {
 public:
  explicit PassSlot(PassSlots& slots) : slots_(slots), held_(slots.Acquire()) {}
  ~PassSlot() {
    if (held_) slots_.Release();
  }
  PassSlot(const PassSlot&) = delete;
  PassSlot& operator=(const PassSlot&) = delete;
  bool held() const { return held_; }

 private:
  PassSlots& slots_;
  const bool held_;
};

}  // namespace dflow
