#include "scanner/datasets/merge_command.h"

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "scanner/datasets/merge_plan.h"
#include "scanner/datasets/merge_records.h"
#include "scanner/datasets/merged_metadata.h"
#include "scanner/datasets/output_sink.h"
#include "scanner/flags/exit_codes.h"
#include "scanner/flags/flag_table.h"

namespace starttls {
namespace {

constexpr std::string_view kHelp =
    "usage: starttls-scan merge -o OUT.ndjson -m OUT.json [--allow-partial] PART.ndjson...\n"
    "\n"
    "Puts the parts of a sharded scan (--shards N --shard K, e.g. a Slurm array job or a\n"
    "Kubernetes Indexed Job: deploy/) back together. Each part's metadata is read beside it\n"
    "(shard-0.ndjson, .ndjson.gz or .ndjson.zst -> shard-0.json). The parts must be one scan:\n"
    "the same seed, shard count, input digest and scan-defining flags (not output paths,\n"
    "pacing, --resume, --resolver or --source-ip, which may differ per machine); every shard\n"
    "present once and complete, with as many records as its metadata says.\n"
    "\n"
    "OUT holds every record of the parts, byte for byte, part after part in shard order, each\n"
    "part's records in their order; a host record of an MX host that several shards' domains\n"
    "share is kept once (the input target's record, else the first). OUT.json is a metadata\n"
    "file like a part's: counts of the records written, the parts' DNS work summed, the\n"
    "input's accounting, `merged_from` (the parts) and, with --allow-partial, `missing_shards`.\n"
    "\n"
    "Exit status: 0 merged; 1 refused (a part missing, incomplete, duplicated, foreign, without\n"
    "metadata or disagreeing with it: each named on stderr, nothing written) or an I/O error;\n"
    "2 usage errors. --allow-partial merges the complete shards there are, leaves the missing\n"
    "and incomplete ones out and names them (stderr and `missing_shards`); foreign and\n"
    "duplicated parts are refused still.\n"
    "\n"
    "flags:\n";

int Refuse(const std::vector<std::string>& refusals) {
  for (const std::string& refusal : refusals)
    std::cerr << "starttls-scan merge: " << refusal << "\n";
  std::cerr << "starttls-scan merge: refused, nothing written"
            << " (--allow-partial merges the complete shards there are)\n";
  return kExitFailed;
}

}  // namespace

std::vector<FlagSpec> MergeFlagTable(MergeOptions* o) {
  return {
      {"output-file", "FILE", "the merged records ('-': standard output)",
       [o](std::string_view v) {
         o->output = std::string(v);
         return std::string();
       },
       'o'},
      {"metadata-file", "FILE", "the merged metadata",
       [o](std::string_view v) {
         o->metadata = std::string(v);
         return std::string();
       },
       'm'},
      {"allow-partial", "", "merge the complete shards there are; name the missing ones",
       [o](std::string_view) {
         o->allow_partial = true;
         return std::string();
       }},
      {"quiet", "", "no summary on stderr",
       [o](std::string_view) {
         o->quiet = true;
         return std::string();
       },
       'q'},
      {"help", "", "show this help",
       [o](std::string_view) {
         o->help = true;
         return std::string();
       }},
  };
}

std::string_view MergeHelpText() { return kHelp; }

int RunMergeCommand(int argc, char** argv, int first) {
  MergeOptions options;
  const std::vector<FlagSpec> flags = MergeFlagTable(&options);
  int exit_code = kExitOk;
  auto positional =
      ParseCommandLine("merge", kHelp, flags, options.help, argc, argv, first, &exit_code);
  if (!positional) return exit_code;
  const std::string& output = options.output;
  const std::string& metadata = options.metadata;
  const bool allow_partial = options.allow_partial;
  const bool quiet = options.quiet;
  if (output.empty() || metadata.empty() || positional->empty()) {
    std::cerr << "starttls-scan merge: name -o OUT, -m OUT.json and the parts (see --help)\n";
    return kExitUsage;
  }

  std::vector<MergeInput> inputs;
  for (const std::string& path : *positional) {
    std::string metadata_path = MetadataPathFor(path);
    inputs.push_back({path, metadata_path, ReadPartMetadata(metadata_path)});
  }
  MergePlan plan = PlanMerge(inputs, allow_partial);
  if (!plan.refusals.empty()) return Refuse(plan.refusals);

  // Pass 1: every part's records against its metadata, before anything is written.
  MergeRecords records;
  for (size_t i = 0; i < plan.parts.size();) {
    const MergePart& part = plan.parts[i];
    absl::Status status = records.CheckPart(part.path, part.metadata.records);
    if (status.ok()) {
      ++i;
      continue;
    }
    size_t before = plan.parts.size();
    plan.LeaveOut(i, "is damaged: " + std::string(status.message()));
    if (plan.parts.size() == before) ++i;
  }
  if (!plan.refusals.empty()) return Refuse(plan.refusals);
  if (plan.parts.empty()) return Refuse({"no complete part left: nothing to merge"});

  // Pass 2: the records, into a temporary file renamed when whole.
  bool to_file = output != "-";
  std::string temporary = to_file ? output + ".tmp" : output;
  OutputSink sink;
  if (std::string error = sink.Open(temporary); !error.empty()) {
    std::cerr << "starttls-scan merge: " << error << "\n";
    return kExitUsage;
  }
  for (const MergePart& part : plan.parts) {
    if (absl::Status status = records.CopyPart(part.path, &sink); !status.ok()) {
      std::cerr << "starttls-scan merge: " << part.path << ": " << status.message() << "\n";
      sink.Close();
      if (to_file) std::remove(temporary.c_str());
      return kExitFailed;
    }
  }
  std::string error = sink.Close();
  if (error.empty() && to_file && std::rename(temporary.c_str(), output.c_str()) != 0) {
    error = "cannot rename " + temporary + " to " + output;
  }
  if (error.empty()) error = WriteMetadataFile(metadata, MergedRunInfo(plan), records.written());
  if (!error.empty()) {
    std::cerr << "starttls-scan merge: " << error << "\n";
    return kExitFailed;
  }

  for (const std::string& text : plan.left_out) {
    std::cerr << "starttls-scan merge: left out: " << text << "\n";
  }
  if (!plan.missing.empty()) {
    std::string list;
    for (uint32_t shard : plan.missing) list += (list.empty() ? "" : ",") + std::to_string(shard);
    std::cerr << "starttls-scan merge: missing shards " << list << " of " << plan.shards
              << " (listed in missing_shards)\n";
  }
  if (!quiet) {
    TallySnapshot written = records.written();
    std::cerr << "starttls-scan merge: " << plan.parts.size() << " of " << plan.shards
              << " shards, " << written.hosts_done << " host, " << written.domains << " domain, "
              << written.input_errors << " error records; " << records.dropped_duplicates()
              << " host records of MX hosts shared between shards kept once\n";
  }
  return kExitOk;
}

}  // namespace starttls
