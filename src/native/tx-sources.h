// The buffers a transmit batch reads its frames from where they lie (the receiving port's rx
// buffer, a segment area, a BPDU): JS sets each in a slot once (setSource(slot, buf)), queues
// frames as (slot, offset, length) and flushes before it reuses a buffer. Used by the fd writer
// and the vhost-user port, so the slot and bounds rules are in one place.
#ifndef SOFTBR_TX_SOURCES_H
#define SOFTBR_TX_SOURCES_H

#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace softbr {

// Buffers one writer reads queued frames from at once (JS reuses slots round-robin).
constexpr int kTxSources = 8;

struct TxSources {
  uint8_t* src[kTxSources] = {};
  size_t len[kTxSources] = {};
  Napi::ObjectReference ref[kTxSources];

  // setSource(slot, buf): frames queued with slot k are read from buf (held until k is set again).
  Napi::Value Set(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[1].IsTypedArray()) {
      Napi::TypeError::New(env, "setSource(slot, buf)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    int32_t k = info[0].As<Napi::Number>().Int32Value();
    if (k < 0 || k >= kTxSources) {
      Napi::RangeError::New(env, "setSource: slot out of range").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Uint8Array buf = info[1].As<Napi::Uint8Array>();
    ref[k] = Napi::Persistent(static_cast<Napi::Object>(buf));
    src[k] = buf.Data();
    len[k] = buf.ByteLength();
    return env.Undefined();
  }

  // Frame bytes off .. off+n of slot k, or nullptr when they are not all inside its buffer.
  uint8_t* Frame(int32_t k, int32_t off, int32_t n) const {
    if (k < 0 || k >= kTxSources || src[k] == nullptr || off < 0 || n < 0 ||
        static_cast<size_t>(off) + static_cast<size_t>(n) > len[k])
      return nullptr;
    return src[k] + off;
  }
};

}  // namespace softbr

#endif
