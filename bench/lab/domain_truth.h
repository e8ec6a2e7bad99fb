// Pieces of a domain truth row (RUN_DIR/domains.ndjson, RUN_DIR/hostile.ndjson) shared by the
// writers: one exchange with its endpoint, and the verdict of docs/rules.md §6 (the weakest
// class among the endpoints reached: no_starttls < starttls_misordered < compliant).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace starttls::lab {

// Rank of "nothing reached": the verdict is then `unreachable`.
inline constexpr int kUnreachableRank = 3;

// Appends {"name","preference",["cname"],"addresses","endpoints"} for an exchange served by
// the lab host `ip`:`port` with `behaviour` (ip empty: the exchange has no address). Returns
// the class rank the endpoint reaches (kUnreachableRank when it is not reached).
int AppendExchangeJson(std::string& out, std::string_view name, int preference, std::string_view ip,
                       uint16_t port, std::string_view behaviour,
                       std::string_view cname_target = {});

// "no_starttls", "starttls_misordered", "compliant" or "unreachable".
std::string_view VerdictOfRank(int rank);

}  // namespace starttls::lab
