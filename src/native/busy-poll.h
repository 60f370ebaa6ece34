// Busy polling (opt-in: softbr daemon --busy-poll USEC): for USEC after the last wakeup that
// brought frames, an active uv_idle handle makes the thread's event loop poll with a zero timeout
// instead of sleeping in epoll_wait, so the next frame is taken by a running thread rather than
// by one woken from sleep (on a VM: an IPI to a halted vCPU and its exit, tens of µs a round
// trip, and caches gone cold meanwhile). It costs a core's worth of CPU while the window lasts.
// One state per thread: each Node thread (the main one, each bridge thread) has its own loop.
// The window is policy and comes from TypeScript; here is only the loop mechanics.
#pragma once

#include <napi.h>
#include <stdint.h>

namespace softbr {

// The receive paths call BusyPollNote() after a wakeup that delivered frames; with busy polling
// off it is one load and one branch.
extern thread_local uint64_t tBusyWindowNs;
void BusyPollNoteSlow();
inline void BusyPollNote() {
  if (tBusyWindowNs != 0) BusyPollNoteSlow();
}

}  // namespace softbr
