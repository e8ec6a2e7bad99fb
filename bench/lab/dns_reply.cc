#include "bench/lab/dns_reply.h"

namespace starttls::lab {

bool ParseIpv4Bytes(std::string_view ip, uint8_t out[4]) {
  int part = 0;
  unsigned value = 0;
  bool digit = false;
  for (char ch : ip) {
    if (ch == '.') {
      if (!digit || part > 2) return false;
      out[part++] = static_cast<uint8_t>(value);
      value = 0;
      digit = false;
    } else if (ch >= '0' && ch <= '9' && value < 100) {
      value = value * 10 + static_cast<unsigned>(ch - '0');
      digit = true;
    } else {
      return false;
    }
  }
  if (!digit || part != 3 || value > 255) return false;
  out[3] = static_cast<uint8_t>(value);
  return true;
}

}  // namespace starttls::lab
