// A read cursor over untrusted bytes, in the manner of BoringSSL's CBS: every read is
// bounds-checked and the cursor only advances when the read succeeds, so a failed parse
// leaves the position where the bad input starts. Every parser of untrusted bytes walks its
// input with it: SMTP replies, DNS answers (a copy of the cursor at a compression pointer's
// target reads the name there), HTTP responses and policy text. offset() is the position
// within the bytes the cursor was made over, for formats that point back into themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace starttls {

class ByteCursor {
 public:
  explicit ByteCursor(std::string_view data) : data_(data), begin_(data.data()) {}

  size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  std::string_view rest() const { return data_; }
  // Bytes consumed since the cursor was made (copies keep counting from the same start).
  size_t offset() const { return static_cast<size_t>(data_.data() - begin_); }

  bool PeekByte(uint8_t* out) const {
    if (data_.empty()) return false;
    *out = static_cast<uint8_t>(data_.front());
    return true;
  }
  bool ReadByte(uint8_t* out) {
    if (!PeekByte(out)) return false;
    data_.remove_prefix(1);
    return true;
  }
  bool ReadU8(uint8_t* out) { return ReadByte(out); }
  // A big-endian (network order) 16-bit number.
  bool ReadU16(uint16_t* out) {
    if (data_.size() < 2) return false;
    *out = static_cast<uint16_t>((static_cast<uint8_t>(data_[0]) << 8) |
                                 static_cast<uint8_t>(data_[1]));
    data_.remove_prefix(2);
    return true;
  }
  bool ReadBytes(size_t n, std::string_view* out) {
    if (n > data_.size()) return false;
    *out = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }
  bool Skip(size_t n) {
    std::string_view ignored;
    return ReadBytes(n, &ignored);
  }
  // Reads the bytes before the first `delim` into *out and consumes the delimiter too.
  // Fails, consuming nothing, when `delim` is absent.
  bool ReadUntil(char delim, std::string_view* out) {
    size_t at = data_.find(delim);
    if (at == std::string_view::npos) return false;
    *out = data_.substr(0, at);
    data_.remove_prefix(at + 1);
    return true;
  }
  // Reads exactly three ASCII digits as a number 0..999.
  bool ReadThreeDigits(int* out) {
    if (data_.size() < 3) return false;
    int value = 0;
    for (size_t i = 0; i < 3; ++i) {
      char c = data_[i];
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    data_.remove_prefix(3);
    *out = value;
    return true;
  }

 private:
  std::string_view data_;
  const char* begin_;
};

}  // namespace starttls
