#include "scanner/policy/tlsa_record.h"

namespace starttls {

bool IsUsableForSmtp(const TlsaRecord& record) {
  if (record.usage != static_cast<uint8_t>(TlsaUsage::kDaneTa) &&
      record.usage != static_cast<uint8_t>(TlsaUsage::kDaneEe)) {
    return false;
  }
  if (record.selector > static_cast<uint8_t>(TlsaSelector::kSpki)) return false;
  switch (static_cast<TlsaMatchingType>(record.matching_type)) {
    case TlsaMatchingType::kFull:
      return !record.data.empty();
    case TlsaMatchingType::kSha256:
      return record.data.size() == 32;
    case TlsaMatchingType::kSha512:
      return record.data.size() == 64;
  }
  return false;
}

std::string TlsaDataHex(const TlsaRecord& record) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(record.data.size() * 2);
  for (unsigned char c : record.data) {
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 0x0F]);
  }
  return hex;
}

}  // namespace starttls
