// What the event-loop drivers that are JS objects (Poller, UdpPoller) share: a uv_poll handle on
// one fd in Node's loop that is closed when JS closes it, when the object goes, or when the
// environment is torn down (process exit, worker termination must not find a live handle); and,
// while polling, a reference that keeps the JS object alive under the handle.
#pragma once

#include <napi.h>
#include <uv.h>

#include <string>

#include "common.h"

namespace softbr {

// T derives from PolledWrap<T>, calls OpenPolling in its constructor and ClosePolling in its
// destructor (not done here: T's members are gone by the time this destructor runs), and may
// define AfterPollClosed() for what must happen once the fd has left epoll.
template <class T>
class PolledWrap : public Napi::ObjectWrap<T> {
 public:
  explicit PolledWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<T>(info), env_(info.Env()) {}

  void AfterPollClosed() {}

 protected:
  // The poll on fd, its data the T; false (with a JS exception) when libuv refuses.
  bool OpenPolling(Napi::Env env, int fd) {
    handle_ = OpenPoll(LoopOf(env), fd, static_cast<T*>(this));
    if (handle_ == nullptr) {
      Napi::Error::New(env, "uv_poll_init failed").ThrowAsJavaScriptException();
      return false;
    }
    napi_add_env_cleanup_hook(env, CleanupHook, this);
    hookAdded_ = true;
    return true;
  }

  // Polls for readability with cb; false when closed, or (with a JS exception) when libuv refuses.
  bool StartPolling(Napi::Env env, uv_poll_cb cb) {
    if (closed_) return false;
    int r = uv_poll_start(handle_, UV_READABLE, cb);
    if (r != 0) {
      Napi::Error::New(env, std::string("uv_poll_start: ") + uv_strerror(r)).ThrowAsJavaScriptException();
      return false;
    }
    if (!selfRef_) {
      selfRef_ = true;
      this->Ref();
    }
    return true;
  }

  // Closes the handle (again: nothing); then T's AfterPollClosed; then lets the JS object go.
  void ClosePolling() {
    if (hookAdded_) {
      napi_remove_env_cleanup_hook(env_, CleanupHook, this);
      hookAdded_ = false;
    }
    closed_ = true;
    ClosePoll(handle_);
    static_cast<T*>(this)->AfterPollClosed();
    if (selfRef_) {
      selfRef_ = false;
      this->Unref();
    }
  }

  Napi::Value RefJs(const Napi::CallbackInfo& info) {
    if (handle_) uv_ref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  Napi::Value UnrefJs(const Napi::CallbackInfo& info) {
    if (handle_) uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    static_cast<T*>(this)->CloseHandle();
    return info.Env().Undefined();
  }

  napi_env env_;
  uv_poll_t* handle_ = nullptr;
  bool closed_ = false;

 private:
  static void CleanupHook(void* arg) {
    PolledWrap* p = static_cast<PolledWrap*>(arg);
    p->hookAdded_ = false;
    static_cast<T*>(p)->CloseHandle();
  }

  bool selfRef_ = false, hookAdded_ = false;
};

}  // namespace softbr
