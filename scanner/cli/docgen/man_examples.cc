#include "scanner/cli/docgen/man_examples.h"

namespace starttls {
namespace {

constexpr ManExample kExamples[] = {
    {"Scan every address of a /24 on port 25, records to a file, the run's summary beside it "
     "(192.0.2.0/24 is a documentation range: name your own).",
     "starttls-scan -p 25 -o hosts.ndjson -m hosts.json 192.0.2.0/24"},
    {"Scan mail domains as a sending MTA resolves them (MX, then A/AAAA) through a local "
     "resolver, with domain policy (DANE, MTA-STS, TLS-RPT).",
     "starttls-scan --resolver 127.0.0.1 -f domains.txt -o domains.ndjson -m domains.json"},
    {"Classification only, no TLS handshakes, at 5000 sessions and 5000 new connections a "
     "second.",
     "starttls-scan --starttls never --concurrency 5000 -r 5000 -f ips.txt -o classes.ndjson"},
    {"Shard 0 of 4 of one scan: every shard gets the same seed; the shards together cover each "
     "target exactly once.",
     "starttls-scan --seed 7 --shards 4 --shard 0 -f targets.txt -o shard-0.ndjson -m "
     "shard-0.json"},
    {"Continue that shard after it was stopped or killed: the same command line plus --resume.",
     "starttls-scan --resume --seed 7 --shards 4 --shard 0 -f targets.txt -o shard-0.ndjson -m "
     "shard-0.json"},
    {"Explain one EHLO reply pasted from a terminal.",
     "printf '250-mx.example.org\\r\\n250-PIPELINING\\r\\n250 STARTTLS\\r\\n' | "
     "starttls-scan classify --raw"},
    {"Re-judge ZGrab2 SMTP output by these rules.",
     "starttls-scan classify --input-format zgrab2 zgrab2-smtp.json > judged.ndjson"},
    {"Host records to CSV with chosen columns.",
     "starttls-scan convert --to csv --type host --output-fields ip,port,class,tls.version -o "
     "hosts.csv hosts.ndjson"},
    {"What changed between last week's scan and today's.",
     "starttls-scan diff -o changes.ndjson last-week.ndjson today.ndjson"},
    {"A self-contained HTML report of two scans, with the trend and the transitions.",
     "starttls-scan report -o report.html last-week.ndjson today.ndjson"},
    {"Put the four shards of a survey back together, checked complete (each shard-K.json "
     "beside its part).",
     "starttls-scan merge -o all.ndjson -m all.json shard-0.ndjson shard-1.ndjson "
     "shard-2.ndjson shard-3.ndjson"},
};

}  // namespace

std::span<const ManExample> ManExamples() { return kExamples; }

}  // namespace starttls
