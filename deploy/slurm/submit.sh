#!/usr/bin/env bash
# Submits a starttls-scan survey as a Slurm array job, one task per shard.
#   submit.sh --shards N --dir SCAN_DIR --input TARGETS [--seed S] [sbatch options...] \
#             [-- starttls-scan flags...]
# Writes SCAN_DIR/scan.env (seed, shards, input, flags: what every task and `merge` agree
# on), then `sbatch --array=0-(N-1)` of starttls-scan.sbatch with its logs in SCAN_DIR.
# Prints the job id. Watch with `squeue -j ID` and SCAN_DIR/shard-*.status.csv; when the
# array is done: starttls-scan merge -o SCAN_DIR/all.ndjson -m SCAN_DIR/all.json SCAN_DIR/shard-*.ndjson
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shards= dir= input= seed= sbatch_args=() scan_args=()
while (($#)); do
  case $1 in
    --shards) shards=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --input) input=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --) shift; scan_args=("$@"); break ;;
    *) sbatch_args+=("$1"); shift ;;
  esac
done
[[ -n $shards && -n $dir && -n $input ]] || { sed -n '2,9p' "$0" >&2; exit 2; }
[[ $shards =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: --shards must be a positive number" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
input=$(cd "$(dirname "$input")" && pwd)/$(basename "$input")
[[ -r $input ]] || { echo "submit.sh: cannot read $input" >&2; exit 2; }
if [[ -z $seed ]]; then
  seed=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
fi
if [[ -e $dir/scan.env ]]; then
  echo "submit.sh: $dir/scan.env exists: a scan lives there already (requeue its tasks, or use another --dir)" >&2
  exit 2
fi
{
  printf 'SCAN_SEED=%q\n' "$seed"
  printf 'SCAN_SHARDS=%q\n' "$shards"
  printf 'SCAN_INPUT=%q\n' "$input"
  printf 'SCAN_FLAGS=('
  for flag in "${scan_args[@]}"; do printf '%q ' "$flag"; done
  printf ')\n'
} >"$dir/scan.env"
sbatch --parsable --array="0-$((shards - 1))" --export="ALL,SCAN_DIR=$dir" \
  --output="$dir/slurm-%A_%a.log" "${sbatch_args[@]}" "$here/starttls-scan.sbatch"
