// The `domain` record fields (docs/rules.md §6 and §8), in the order
// output/domain_record.cc emits them; the policy objects (dane, mta_sts, tls_rpt,
// delivery) are described as docs/rules.md §8 names them.
#include "output/field_spec_builders.h"
#include "output/field_tables.h"

namespace starttls {
namespace {

using namespace field_spec;  // NOLINT: table rows read better unqualified

constexpr JsonTypes kStr = kJsonString;

constexpr FieldSpec kDomain[] = {
    Required(Text("type", "record type: domain")),
    Required(Int("schema", "record schema version (1)")),
    Required(Text("domain", "the input domain")),
    Int("line", "the first input line that named this domain (1-based)"),
    Text("dns", "DNS outcome: NOERROR, NXDOMAIN, SERVFAIL, TIMEOUT, ..."),
    Text("mx_kind", "mx, implicit (RFC 5321 §5.1), null (RFC 7505) or none"),
    ObjectList("exchanges", "the mail exchangers"),
    Required(Raw("exchanges.name", "the exchange's name")),
    OrNull(Int("exchanges.preference", "its MX preference")),
    List("exchanges.addresses", kStr, FieldFormat::kIp, "its addresses"),
    OrNull(Text("exchanges.error", "why it has no address")),
    ObjectList("endpoints", "the (ip, port) endpoints scanned for this domain"),
    Required(Ip("endpoints.ip", "the endpoint's address")),
    Required(Int("endpoints.port", "the endpoint's port")),
    Raw("endpoints.mx",
        "the exchange name, first in preference order, by which this domain reaches it"),
    Required(Text("endpoints.status", "its host record's status")),
    OrNull(Text("endpoints.class", "its host record's class")),
    OrNull(Object("endpoints.tls",
                  "its TLS facts judged against this domain's mx name; null: no STARTTLS")),
    Bool("endpoints.tls.handshake", "the handshake completed"),
    Bool("endpoints.tls.trusted", "the chain is trusted"),
    Bool("endpoints.tls.expired", "the leaf is expired"),
    OrNull(
        Bool("endpoints.tls.hostname_match", "the leaf matches the mx name; null: no handshake")),
    Required(Text("verdict",
                  "weakest class among reached endpoints, or unreachable, no_mail, dns_error")),
    OrNull(Text("error", "why resolution failed")),
    Time("timestamp", "when the record was written"),
    Object("dane", "DANE (RFC 7672) for the domain's MX hosts"),
    Text("dane.state", "none, usable, unusable or bogus"),
    Text("dane.dnssec", "the MX RRset's DNSSEC status: secure, insecure, bogus, indeterminate"),
    ObjectList("dane.hosts", "one per MX"),
    Text("dane.hosts.mx", "the MX name"),
    ObjectList("dane.hosts.tlsa", "its TLSA records"),
    Int("dane.hosts.tlsa.usage", "certificate usage"),
    Int("dane.hosts.tlsa.selector", "selector"),
    Int("dane.hosts.tlsa.matching_type", "matching type"),
    Text("dane.hosts.tlsa.data", "association data, lower-case hex"),
    Bool("dane.hosts.secure", "the TLSA RRset is DNSSEC-secure"),
    OrNull(Bool("dane.hosts.match",
                "the chain seen satisfies a usable TLSA record; null: no handshake")),
    Object("mta_sts", "MTA-STS (RFC 8461)"),
    Text("mta_sts.state", "none, ok or error"),
    OrNull(Text("mta_sts.id", "the TXT record's id")),
    OrNull(Text("mta_sts.fetch", "the policy fetch: ok, dns-error, connect-error, tls-error, ...")),
    OrNull(Text("mta_sts.mode", "enforce, testing or none")),
    OrNull(Int("mta_sts.max_age", "max_age in seconds")),
    List("mta_sts.mx", kStr, FieldFormat::kText, "the policy's mx patterns as given"),
    List("mta_sts.errors", kStr, FieldFormat::kText, "policy syntax problems"),
    ObjectList("mta_sts.hosts", "one per MX"),
    Text("mta_sts.hosts.mx", "the MX name"),
    Bool("mta_sts.hosts.covered", "the MX name matches a policy pattern"),
    Bool("mta_sts.hosts.valid",
         "STARTTLS seen by Postfix, handshake, trusted, name match, not expired"),
    Object("tls_rpt", "TLS-RPT (RFC 8460)"),
    Text("tls_rpt.state", "none, ok or error"),
    List("tls_rpt.rua", kStr, FieldFormat::kText, "the reporting URIs"),
    OrNull(Text("tls_rpt.error", "why the record is unusable")),
    Object("delivery", "what three kinds of sender do with this domain's mail"),
    Text("delivery.opportunistic", "Postfix 'may': tls, clear or unreachable"),
    Text("delivery.dane", "Postfix 'dane': not_applicable, tls or defer"),
    Text("delivery.mta_sts", "an MTA-STS sender: not_applicable, tls, defer or report_only"),
};

}  // namespace

std::span<const FieldSpec> DomainFields() { return kDomain; }

}  // namespace starttls
