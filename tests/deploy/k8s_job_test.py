#!/usr/bin/env python3
"""deploy/k8s: the Indexed Job manifest against what `starttls-scan merge` expects.

usage: k8s_job_test.py TOP

It cannot run here (no Kubernetes): checks that the manifest parses (python3-yaml), that the
Job is Indexed with completions == the --shards its pods pass, parallelism at most that,
JOB_COMPLETION_INDEX as --shard, one fixed --seed, --resume, restarts allowed; that the
outputs go to the PersistentVolumeClaim's mount named as merge finds them (shard-K.ndjson
with shard-K.json beside it), the input there too; and that the command runs the binary
the Containerfile installs and names as its entrypoint. Exit 1 with every problem printed.
"""
import os
import re
import shlex
import sys

import yaml


def expand(text, env):
    """$VAR and "${VAR}" as the pod's /bin/sh would expand them (JOB_COMPLETION_INDEX kept)."""
    return re.sub(r"\$\{?([A-Z_]+)\}?", lambda m: env.get(m.group(1), m.group(0)), text)


def flag_values(argv, name):
    values = []
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            values.append(argv[i + 1])
        elif arg.startswith(name + "="):
            values.append(arg.split("=", 1)[1])
    return values


def check(top):
    problems = []
    with open(os.path.join(top, "deploy/k8s/starttls-scan-job.yaml"), encoding="utf-8") as f:
        documents = [d for d in yaml.safe_load_all(f) if d]
    jobs = [d for d in documents if d.get("kind") == "Job"]
    claims = {d["metadata"]["name"]: d for d in documents if d.get("kind") == "PersistentVolumeClaim"}
    if len(jobs) != 1:
        return [f"want one Job, found {len(jobs)}"]
    job = jobs[0]
    spec = job["spec"]
    if spec.get("completionMode") != "Indexed":
        problems.append(f"completionMode is {spec.get('completionMode')!r}, not Indexed")
    completions = spec.get("completions")
    if not isinstance(completions, int) or completions < 1:
        problems.append(f"completions {completions!r} is not a positive number")
    if spec.get("parallelism", completions) > completions:
        problems.append("parallelism exceeds completions")
    pod = spec["template"]["spec"]
    if pod.get("restartPolicy") not in ("OnFailure", "Never"):
        problems.append(f"restartPolicy {pod.get('restartPolicy')!r} is not allowed for a Job")
    containers = pod["containers"]
    if len(containers) != 1:
        return problems + [f"want one container, found {len(containers)}"]
    container = containers[0]
    env = {e["name"]: str(e["value"]) for e in container.get("env", []) if "value" in e}
    words = container.get("command", []) + container.get("args", [])
    # /bin/sh -c "exec ... " : the script is the word after -c.
    if words[:2] == ["/bin/sh", "-c"]:
        script = " ".join(words[2:])
        argv = shlex.split(expand(script, env))
        if argv and argv[0] == "exec":
            argv = argv[1:]
    else:
        argv = [expand(w, env) for w in words]
    if not argv:
        return problems + ["the container runs nothing"]

    shards = flag_values(argv, "--shards")
    if shards != [str(completions)]:
        problems.append(f"--shards {shards} is not completions ({completions})")
    if flag_values(argv, "--shard") != ["$JOB_COMPLETION_INDEX"]:
        problems.append(f"--shard is {flag_values(argv, '--shard')}, not $JOB_COMPLETION_INDEX")
    seeds = flag_values(argv, "--seed")
    if len(seeds) != 1 or not re.fullmatch(r"(0|[1-9][0-9]{0,19})", seeds[0]) or int(seeds[0]) >= 2**64:
        problems.append(f"--seed {seeds} is not one fixed 64-bit number")
    if "--resume" not in argv:
        problems.append("--resume missing: a restarted pod would start over")

    mounts = {m["name"]: m["mountPath"].rstrip("/") for m in container.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    pvc_paths = []
    for name, path in mounts.items():
        claim = volumes.get(name, {}).get("persistentVolumeClaim", {}).get("claimName")
        if claim is None:
            continue
        if claim not in claims:
            problems.append(f"volume {name} names claim {claim!r}, which the manifest does not define")
        pvc_paths.append(path)
    if not pvc_paths:
        problems.append("no PersistentVolumeClaim is mounted")
    outputs = flag_values(argv, "--output-file")
    metadata = flag_values(argv, "--metadata-file")
    inputs = flag_values(argv, "--input-file")
    for what, values in (("--output-file", outputs), ("--metadata-file", metadata), ("--input-file", inputs)):
        if len(values) != 1:
            problems.append(f"{what} given {len(values)} times")
        elif not any(values[0].startswith(p + "/") for p in pvc_paths):
            problems.append(f"{what} {values[0]} is not on the claim ({pvc_paths})")
    if len(outputs) == 1 and len(metadata) == 1:
        out, meta = outputs[0], metadata[0]
        if not re.search(r"/shard-\$JOB_COMPLETION_INDEX\.ndjson$", out):
            problems.append(f"--output-file {out} is not .../shard-$JOB_COMPLETION_INDEX.ndjson")
        # merge reads the metadata beside each part: shard-K.ndjson -> shard-K.json.
        if meta != re.sub(r"\.ndjson$", ".json", out):
            problems.append(f"--metadata-file {meta} is not beside {out} as merge expects")

    with open(os.path.join(top, "deploy/k8s/Containerfile"), encoding="utf-8") as f:
        containerfile = f.read()
    entry = re.search(r"^ENTRYPOINT\s+(\[.*\])\s*$", containerfile, re.M)
    if entry is None:
        problems.append("the Containerfile has no exec-form ENTRYPOINT")
    else:
        entrypoint = yaml.safe_load(entry.group(1))
        if entrypoint[0] != argv[0]:
            problems.append(f"the Job runs {argv[0]}, the image's entrypoint is {entrypoint[0]}")
    if "starttls-scan_" not in containerfile or ".deb" not in containerfile:
        problems.append("the Containerfile does not install the starttls-scan .deb")
    return problems


def main():
    problems = check(sys.argv[1])
    for problem in problems:
        print("problem:", problem)
    print(f"deploy/k8s: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
