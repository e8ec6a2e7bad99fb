#include "scanner/datasets/record_facts.h"

#include <string>

#include "output/ondemand_access.h"

namespace starttls {
namespace {

namespace od = simdjson::ondemand;
using namespace ondemand_access;  // NOLINT

std::string_view Str(od::value& value) { return String(value).value_or(std::string_view()); }

Tristate Tri(od::value& value) {
  std::optional<bool> flag = Bool(value);
  if (!flag) return Tristate::kUnknown;
  return *flag ? Tristate::kTrue : Tristate::kFalse;
}

void ReadStringList(od::value& value, std::vector<std::string_view>* out) {
  auto array = Array(value);
  if (!array) return;
  ForEachItem(*array, [&](od::value& item) {
    if (auto text = String(item)) out->push_back(*text);
  });
}

int ClientIndex(std::string_view name) {
  const auto& rules = ClientRules();
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

void ReadClients(od::value& value, RecordFacts* facts) {
  auto object = Object(value);
  if (!object) return;
  facts->has_clients = true;
  ForEachMember(*object, [&](std::string_view key, od::value& sees) {
    int index = ClientIndex(key);
    std::optional<bool> flag = Bool(sees);
    if (index < 0 || !flag) return;
    facts->clients_seen |= 1u << index;
    if (*flag) facts->clients_sees |= 1u << index;
  });
}

void ReadLeaf(od::value& chain, RecordFacts* facts) {
  auto array = Array(chain);
  if (!array) return;
  bool first = true;
  ForEachItem(*array, [&](od::value& certificate) {
    if (!first) return;
    first = false;
    auto object = Object(certificate);
    if (!object) return;
    ForEachMember(*object, [&](std::string_view key, od::value& value) {
      if (key == "sha256")
        facts->leaf_sha256 = Str(value);
      else if (key == "not_after")
        facts->leaf_not_after = Str(value);
    });
  });
}

void ReadTls(od::value& value, RecordFacts* facts) {
  auto object = Object(value);
  if (!object) return;
  facts->has_tls = true;
  ForEachMember(*object, [&](std::string_view key, od::value& member) {
    if (key == "outcome") {
      facts->tls_outcome = Str(member);
    } else if (key == "version") {
      facts->tls_version = Str(member);
    } else if (key == "cipher") {
      facts->tls_cipher = Str(member);
    } else if (key == "group") {
      facts->tls_group = Str(member);
    } else if (key == "chain") {
      ReadLeaf(member, facts);
    } else if (key == "validation") {
      auto validation = Object(member);
      if (!validation) return;
      ForEachMember(*validation, [&](std::string_view name, od::value& flag) {
        if (name == "trusted")
          facts->trusted = Tri(flag);
        else if (name == "expired")
          facts->expired = Tri(flag);
        else if (name == "self_signed")
          facts->self_signed = Tri(flag);
        else if (name == "hostname_match")
          facts->hostname_match = Tri(flag);
      });
    }
  });
}

void ReadTiming(od::value& value, RecordFacts* facts) {
  auto object = Object(value);
  if (!object) return;
  ForEachMember(*object, [&](std::string_view key, od::value& ms) {
    if (key == "connect")
      facts->connect_ms = Double(ms);
    else if (key == "banner")
      facts->banner_ms = Double(ms);
  });
}

void ReadExchanges(od::value& value, RecordFacts* facts) {
  auto array = Array(value);
  if (!array) return;
  ForEachItem(*array, [&](od::value& item) {
    auto object = Object(item);
    if (!object) return;
    ExchangeFacts exchange;
    ForEachMember(*object, [&](std::string_view key, od::value& member) {
      if (key == "name")
        exchange.name = Str(member);
      else if (key == "preference")
        exchange.preference = Int(member).value_or(-1);
      else if (key == "addresses")
        ReadStringList(member, &exchange.addresses);
    });
    facts->exchanges.push_back(std::move(exchange));
  });
}

void ReadEndpoints(od::value& value, RecordFacts* facts) {
  auto array = Array(value);
  if (!array) return;
  ForEachItem(*array, [&](od::value& item) {
    auto object = Object(item);
    if (!object) return;
    EndpointFacts endpoint;
    ForEachMember(*object, [&](std::string_view key, od::value& member) {
      if (key == "ip")
        endpoint.ip = Str(member);
      else if (key == "port")
        endpoint.port = Int(member).value_or(-1);
      else if (key == "status")
        endpoint.status = Str(member);
      else if (key == "class")
        endpoint.cls = String(member);
    });
    facts->endpoints.push_back(endpoint);
  });
}

// One member of a policy object (dane, mta_sts, tls_rpt, delivery): `wanted` names -> slots.
void ReadPolicy(od::value& value,
                std::initializer_list<std::pair<std::string_view, std::string_view*>> wanted,
                RecordFacts* facts) {
  auto object = Object(value);
  if (!object) return;
  facts->has_policy = true;
  ForEachMember(*object, [&](std::string_view key, od::value& member) {
    for (const auto& [name, slot] : wanted) {
      if (key == name) *slot = Str(member);
    }
  });
}

}  // namespace

void RecordFacts::Clear() {
  // Keep the vectors' capacity across records.
  auto anomalies_kept = std::move(anomalies);
  auto names_kept = std::move(names);
  auto exchanges_kept = std::move(exchanges);
  auto endpoints_kept = std::move(endpoints);
  *this = RecordFacts();
  anomalies = std::move(anomalies_kept);
  names = std::move(names_kept);
  exchanges = std::move(exchanges_kept);
  endpoints = std::move(endpoints_kept);
  anomalies.clear();
  names.clear();
  exchanges.clear();
  endpoints.clear();
}

simdjson::error_code ReadRecordFacts(od::object record, RecordFacts* facts, FactsScope scope) {
  facts->Clear();
  const bool report = scope == FactsScope::kReport;
  return ForEachMember(record, [&](std::string_view key, od::value& value) {
    if (!report && key != "type" && key != "ip" && key != "port" && key != "status" &&
        key != "class" && key != "tls" && key != "domain" && key != "verdict") {
      return;
    }
    switch (key.empty() ? '\0' : key[0]) {
      case 'a':
        if (key == "anomalies") ReadStringList(value, &facts->anomalies);
        break;
      case 'b':
        if (key == "banner") {
          if (auto banner = Object(value)) {
            ForEachMember(*banner, [&](std::string_view name, od::value& member) {
              if (name == "raw") facts->banner_raw = Str(member);
            });
          }
        }
        break;
      case 'c':
        if (key == "class")
          facts->cls = String(value);
        else if (key == "clients")
          ReadClients(value, facts);
        break;
      case 'd':
        if (key == "domain")
          facts->domain = Str(value);
        else if (key == "dns")
          facts->dns = Str(value);
        else if (key == "dane")
          ReadPolicy(value, {{"state", &facts->dane_state}, {"dnssec", &facts->dane_dnssec}},
                     facts);
        else if (key == "delivery") {
          ReadPolicy(value,
                     {{"opportunistic", &facts->delivery_opportunistic},
                      {"dane", &facts->delivery_dane},
                      {"mta_sts", &facts->delivery_mta_sts}},
                     facts);
        }
        break;
      case 'e':
        if (key == "exchanges")
          ReadExchanges(value, facts);
        else if (key == "endpoints")
          ReadEndpoints(value, facts);
        break;
      case 'i':
        if (key == "ip") facts->ip = Str(value);
        break;
      case 'm':
        if (key == "mx_kind")
          facts->mx_kind = Str(value);
        else if (key == "mta_sts")
          ReadPolicy(value, {{"state", &facts->mta_sts_state}, {"mode", &facts->mta_sts_mode}},
                     facts);
        break;
      case 'n':
        if (key == "names") ReadStringList(value, &facts->names);
        break;
      case 'p':
        if (key == "port") facts->port = Int(value).value_or(-1);
        break;
      case 's':
        if (key == "status") {
          if (auto status = String(value)) {
            facts->status = *status;
            facts->has_status = true;
          }
        }
        break;
      case 't':
        if (key == "type")
          facts->type = Str(value);
        else if (key == "tls")
          ReadTls(value, facts);
        else if (key == "timing_ms")
          ReadTiming(value, facts);
        else if (key == "timestamp")
          facts->timestamp = Str(value);
        else if (key == "tls_rpt")
          ReadPolicy(value, {{"state", &facts->tls_rpt_state}}, facts);
        break;
      case 'v':
        if (key == "verdict") facts->verdict = Str(value);
        break;
      default:
        break;
    }
  });
}

std::string BannerDomain(std::string_view banner_raw) {
  std::string_view line = banner_raw.substr(0, banner_raw.find_first_of("\r\n"));
  if (line.size() < 4) return "";
  line.remove_prefix(4);  // "220 " or "220-"
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  std::string_view word = line.substr(0, line.find_first_of(" \t"));
  std::string out;
  for (char c : word) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  return out;
}

}  // namespace starttls
