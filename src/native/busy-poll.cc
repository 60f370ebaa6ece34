// Busy polling's loop mechanics (busy-poll.h): the thread's uv_idle handle, started by a wakeup
// that brought frames and stopped by itself once the window passed without any; and the JS
// calls setBusyPoll(usec) and busyPollStats().
#include "busy-poll.h"

#include <uv.h>

#include "common.h"

namespace softbr {

thread_local uint64_t tBusyWindowNs = 0;

namespace {

struct BusyPoll {
  uv_idle_t* idle = nullptr;
  bool active = false;
  uint64_t last = 0;
  // loop turns spent polling, and times the window opened: what shows that it works
  double spins = 0;
  double starts = 0;
};
thread_local BusyPoll tBusy;

void Stop() {
  if (tBusy.active && tBusy.idle != nullptr) uv_idle_stop(tBusy.idle);
  tBusy.active = false;
}

void OnIdle(uv_idle_t*) {
  tBusy.spins++;
  if (uv_hrtime() - tBusy.last > tBusyWindowNs) Stop();
}

// Environment teardown (process exit, worker end) must not find a live handle.
void Cleanup(void*) {
  tBusyWindowNs = 0;
  Stop();
  if (tBusy.idle != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(tBusy.idle), [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
    tBusy.idle = nullptr;
  }
}

// setBusyPoll(usec): the window for this thread's loop; 0 turns busy polling off.
Napi::Value SetBusyPoll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double us = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(us >= 0 && us <= 1e6)) {
    Napi::RangeError::New(env, "setBusyPoll: microseconds 0..1000000").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (us > 0 && tBusy.idle == nullptr) {
    uv_idle_t* h = new uv_idle_t;
    if (uv_idle_init(LoopOf(env), h) != 0) {
      delete h;
      Napi::Error::New(env, "uv_idle_init failed").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    // the window keeps the loop turning, never alive: an idle daemon exits as it would
    uv_unref(reinterpret_cast<uv_handle_t*>(h));
    tBusy.idle = h;
    napi_add_env_cleanup_hook(env, Cleanup, nullptr);
  }
  tBusyWindowNs = static_cast<uint64_t>(us * 1000);
  if (tBusyWindowNs == 0) Stop();
  return env.Undefined();
}

Napi::Value BusyPollStats(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("windowUs", static_cast<double>(tBusyWindowNs) / 1000);
  o.Set("active", tBusy.active);
  o.Set("spins", tBusy.spins);
  o.Set("starts", tBusy.starts);
  return o;
}

}  // namespace

void BusyPollNoteSlow() {
  tBusy.last = uv_hrtime();
  if (!tBusy.active && tBusy.idle != nullptr) {
    uv_idle_start(tBusy.idle, OnIdle);
    tBusy.active = true;
    tBusy.starts++;
  }
}

void RegisterBusyPoll(Napi::Env env, Napi::Object exports, Napi::Object) {
  exports.Set("setBusyPoll", Napi::Function::New(env, SetBusyPoll));
  exports.Set("busyPollStats", Napi::Function::New(env, BusyPollStats));
}

}  // namespace softbr
