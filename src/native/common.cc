// The shared helpers declared in common.h: errno names, Node-style errors, interface-name
// arguments, name-based ioctls and the per-errno counters' JS view.
#include "common.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace softbr {

const char* ErrnoName(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : "EUNKNOWN";
}

Napi::Value ThrowErrno(Napi::Env env, const char* syscall, int err, const std::string& what) {
  std::string msg = what + ": " + syscall + " failed: " + ErrnoName(err) + " (" + strerror(err) + ")";
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, ErrnoName(err)));
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowType(Napi::Env env, const std::string& msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

bool GetIfName(const Napi::CallbackInfo& info, size_t i, char out[IFNAMSIZ]) {
  if (info.Length() <= i || !info[i].IsString()) {
    Napi::TypeError::New(info.Env(), "interface name must be a string").ThrowAsJavaScriptException();
    return false;
  }
  std::string s = info[i].As<Napi::String>().Utf8Value();
  if (s.size() >= IFNAMSIZ) {
    Napi::RangeError::New(info.Env(), "interface name '" + s + "' is longer than 15 characters")
        .ThrowAsJavaScriptException();
    return false;
  }
  memset(out, 0, IFNAMSIZ);
  memcpy(out, s.data(), s.size());
  return true;
}

int IfIoctl(const char* name, unsigned long req, struct ifreq* ifr) {
  // A throwaway datagram socket: name-based SIOC* ioctls need one in the caller's namespace.
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
  int r = ioctl(s, req, ifr);
  int e = r < 0 ? errno : 0;
  close(s);
  return e;
}

Napi::Object ErrnoCounts::ToObject(Napi::Env env) const {
  Napi::Object o = Napi::Object::New(env);
  for (int e = 0; e < kSlots; e++) {
    if (counts_[e] != 0) o.Set(e == 0 ? "EUNKNOWN" : ErrnoName(e), static_cast<double>(counts_[e]));
  }
  return o;
}

uv_loop_t* LoopOf(napi_env env) {
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  return loop;
}

uv_poll_t* OpenPoll(uv_loop_t* loop, int fd, void* data) {
  if (loop == nullptr) return nullptr;
  uv_poll_t* h = new uv_poll_t;
  if (uv_poll_init(loop, h, fd) != 0) {
    delete h;
    return nullptr;
  }
  h->data = data;
  return h;
}

void ClosePoll(uv_poll_t*& h) {
  if (h == nullptr) return;
  h->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(h), [](uv_handle_t* x) { delete reinterpret_cast<uv_poll_t*>(x); });
  h = nullptr;
}

void CallFromLoop(napi_env env, napi_async_context ctx, napi_value recv, napi_value fn, size_t argc, const napi_value* argv) {
  napi_value result;
  if (napi_make_callback(env, ctx, recv, fn, argc, argv, &result) == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
}

}  // namespace softbr
