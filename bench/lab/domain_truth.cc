#include "bench/lab/domain_truth.h"

#include "bench/lab/json_text.h"
#include "bench/lab/truth_table.h"

namespace starttls::lab {
namespace {

int ClassRank(std::string_view cls) {
  if (cls == "no_starttls") return 0;
  if (cls == "starttls_misordered") return 1;
  return 2;
}

}  // namespace

int AppendExchangeJson(std::string& j, std::string_view name, int preference, std::string_view ip,
                       uint16_t port, std::string_view behaviour, std::string_view cname_target) {
  j += "{\"name\":" + JsonString(name) + ",\"preference\":" + std::to_string(preference);
  if (!cname_target.empty()) j += ",\"cname\":" + JsonString(cname_target);
  const HostTruth* t = ip.empty() ? nullptr : TruthFor(behaviour);
  if (!t) {
    j += ",\"addresses\":[],\"endpoints\":[]}";
    return kUnreachableRank;
  }
  j += ",\"addresses\":[" + JsonString(ip) + "],\"endpoints\":[{\"ip\":" + JsonString(ip) +
       ",\"port\":" + std::to_string(port) + ",\"behaviour\":" + JsonString(behaviour) +
       ",\"status\":" + JsonString(t->status) +
       ",\"class\":" + (t->cls.empty() ? std::string("null") : JsonString(t->cls)) + "}]}";
  return t->status == "success" && !t->cls.empty() ? ClassRank(t->cls) : kUnreachableRank;
}

std::string_view VerdictOfRank(int rank) {
  static constexpr std::string_view kNames[] = {"no_starttls", "starttls_misordered", "compliant",
                                                "unreachable"};
  return rank >= 0 && rank <= kUnreachableRank ? kNames[rank] : kNames[kUnreachableRank];
}

}  // namespace starttls::lab
