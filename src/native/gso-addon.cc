// The N-API side of segmentation (gso.h): segmentSuper() cuts a super-frame into JS-owned arrays.
// Kept apart from gso.cc so the segmentation itself builds without Node (test/fuzz/).
#include <string.h>

#include "common.h"
#include "gso.h"

namespace softbr {

namespace {

// Segments into JS-owned arrays: frame k at outBuf[outOffs[k] ..][.. outLens[k]).
class ArrayOut : public SegmentOut {
 public:
  ArrayOut(uint8_t* buf, size_t bufLen, int32_t* offs, int32_t* lens, size_t cap)
      : buf_(buf), bufLen_(bufLen), offs_(offs), lens_(lens), cap_(cap) {}
  uint8_t* Emit(size_t len) override {
    if (n_ == cap_ || pos_ + len > bufLen_) return nullptr;
    offs_[n_] = static_cast<int32_t>(pos_);
    lens_[n_] = static_cast<int32_t>(len);
    n_++;
    uint8_t* p = buf_ + pos_;
    pos_ += (len + 7) & ~static_cast<size_t>(7);
    return p;
  }
  size_t count() const { return n_; }

 private:
  uint8_t* buf_;
  size_t bufLen_, pos_ = 0;
  int32_t *offs_, *lens_;
  size_t cap_, n_ = 0;
};

Napi::Value SegmentSuper(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 8 || !info[0].IsTypedArray() || !info[3].IsTypedArray() || !info[5].IsTypedArray() ||
      !info[6].IsTypedArray() || !info[7].IsTypedArray()) {
    return ThrowType(env, "segmentSuper(buf, off, len, hdrs, hdrOff, outBuf, outOffs, outLens)");
  }
  Napi::Uint8Array buf = info[0].As<Napi::Uint8Array>();
  size_t off = info[1].As<Napi::Number>().Uint32Value();
  size_t len = info[2].As<Napi::Number>().Uint32Value();
  Napi::Uint8Array hdrs = info[3].As<Napi::Uint8Array>();
  size_t hdrOff = info[4].As<Napi::Number>().Uint32Value();
  Napi::Uint8Array outBuf = info[5].As<Napi::Uint8Array>();
  Napi::Int32Array outOffs = info[6].As<Napi::Int32Array>();
  Napi::Int32Array outLens = info[7].As<Napi::Int32Array>();
  if (off + len > buf.ByteLength() || hdrOff + VNET_HDR_LEN > hdrs.ByteLength()) {
    Napi::RangeError::New(env, "segmentSuper: frame or header outside its buffer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  VnetHdr h;
  memcpy(&h, hdrs.Data() + hdrOff, VNET_HDR_LEN);
  size_t cap = outOffs.ElementLength() < outLens.ElementLength() ? outOffs.ElementLength() : outLens.ElementLength();
  ArrayOut out(outBuf.Data(), outBuf.ByteLength(), outOffs.Data(), outLens.Data(), cap);
  bool ok = SegmentGso(buf.Data() + off, len, nullptr, len, h, VlanTag{false, 0, 0}, nullptr, 0, 65535, out);
  return Napi::Number::New(env, ok ? static_cast<double>(out.count()) : 0);
}

}  // namespace

void RegisterGso(Napi::Env env, Napi::Object exports, Napi::Object c) {
  exports.Set("segmentSuper", Napi::Function::New(env, SegmentSuper));
  c.Set("VNET_HDR_LEN", static_cast<uint32_t>(VNET_HDR_LEN));
  c.Set("SUPER_FRAME_BYTES", static_cast<uint32_t>(OVERFLOW_BYTES));
}

}  // namespace softbr
