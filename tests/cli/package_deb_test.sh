#!/usr/bin/env bash
# The .deb as an operator meets it: `cmake --build --target deb` builds it, lintian finds no
# error in it, apt installs it on this machine, the installed program runs (--version, a
# classify), its man page lists every subcommand, its completion completes, its schemas are
# JSON; then it is purged. Needs root (apt); exits 77 (skipped) otherwise.
# Usage: package_deb_test.sh BUILD_DIR VERSION
set -euo pipefail
build=$(cd "$1" && pwd)
version=$2
fail() { echo "FAIL: $*"; exit 1; }
# Other work on this machine may hold dpkg's lock for a while: wait for it, not fail.
apt=(apt-get -o DPkg::Lock::Timeout=300)

[ "$(id -u)" -eq 0 ] || { echo "SKIP: installing a package needs root"; exit 77; }
if [[ $(dpkg-query -W -f='${Status}' starttls-scan 2>/dev/null || true) == *"ok installed" ]]; then
  fail "starttls-scan is already installed on this machine; this test installs and purges it"
fi
if ! command -v lintian >/dev/null; then
  "${apt[@]}" install -y --no-install-recommends lintian >/dev/null ||
    { "${apt[@]}" update >/dev/null && "${apt[@]}" install -y --no-install-recommends lintian >/dev/null; }
fi

work=$(mktemp -d)
installed=0
cleanup() {
  if [ "$installed" -eq 1 ]; then "${apt[@]}" purge -y starttls-scan >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

deb="$build/starttls-scan_${version}_amd64.deb"
rm -f "$deb"
cmake --build "$build" --target deb >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "deb target failed"; }
[ -f "$deb" ] || fail "no $deb after the deb target"

# What it holds: the product and its documentation, nothing built only for development.
dpkg-deb -c "$deb" | awk '{print $6}' >"$work/contents"
for path in ./usr/bin/starttls-scan ./usr/share/man/man1/starttls-scan.1.gz \
    ./usr/share/bash-completion/completions/starttls-scan \
    ./usr/share/starttls-scan/schema/starttls-scan.schema.json \
    ./usr/share/starttls-scan/schema/metadata.schema.json \
    ./usr/share/doc/starttls-scan/copyright ./usr/share/doc/starttls-scan/changelog.gz; do
  grep -qx "$path" "$work/contents" || fail "$path missing from the package"
done
! grep -E 'docgen|smtp-lab|_test' "$work/contents" || fail "the package holds development programs"
depends=$(dpkg-deb -f "$deb" Depends)
for library in liburing2 android-libboringssl libc-ares2 libsimdjson libzstd1 zlib1g; do
  grep -q "$library" <<<"$depends" || fail "Depends lacks $library: $depends"
done

# lintian: every tag shown, none of them an error.
status=0
lintian --fail-on error --display-level '>=pedantic' "$deb" >"$work/lintian" 2>&1 || status=$?
cat "$work/lintian"
[ "$status" -ne 2 ] || fail "lintian could not check the package"
[ "$status" -eq 0 ] && ! grep -q '^E: ' "$work/lintian" || fail "lintian reports errors"

"${apt[@]}" install -y "$deb" >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get install"; }
installed=1
scan=/usr/bin/starttls-scan
[ "$(command -v starttls-scan)" = "$scan" ] || fail "starttls-scan is not on PATH as $scan"
version_report=$("$scan" --version)
first=${version_report%%$'\n'*}
[ "$first" = "starttls-scan $version" ] || fail "--version says '$first', the package is $version"

printf '%s\n' '{"id":"a","banner":"220 mx.example.org ESMTP\r\n","ehlo":"250-mx.example.org\r\n250-PIPELINING\r\n250 STARTTLS\r\n"}' \
  '{"id":"b","banner":"220 mx.example.org ESMTP\r\n","ehlo":"250-mx.example.org\r\n250 SIZE 1000\r\n"}' \
  >"$work/transcripts.jsonl"
out=$("$scan" classify "$work/transcripts.jsonl")
grep -q '"id":"a".*"class":"compliant"' <<<"$out" || fail "classify of a: $out"
grep -q '"id":"b".*"class":"no_starttls"' <<<"$out" || fail "classify of b: $out"

page=/usr/share/man/man1/starttls-scan.1.gz
warnings=$(man --warnings -l "$page" 2>&1 >/dev/null) || fail "man cannot render the page"
[ -z "$warnings" ] || fail "groff warns about the man page: $warnings"
rendered=$(MANWIDTH=100 man -P cat -l "$page")
source_text=$(zcat "$page")
help=$("$scan" --help)
subcommands=$(awk '/^subcommands/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}' <<<"$help")
[ -n "$subcommands" ] || fail "no subcommands in --help"
for command in $subcommands; do
  grep -qx ".SS $command" <<<"$source_text" || fail "the man page has no section for $command"
  grep -Eq "starttls-scan \[?$command" <<<"$rendered" || fail "the man page's synopsis lacks $command"
done
for section in SYNOPSIS DESCRIPTION SUBCOMMANDS "EXIT STATUS" EXAMPLES "OUTPUT FIELDS"; do
  grep -q "^$section" <<<"$rendered" || fail "the man page lacks $section"
done

# The installed completion, as bash runs it on <TAB>.
complete_words() {  # WORD... : what <TAB> offers for the last word
  bash -c 'source /usr/share/bash-completion/completions/starttls-scan
           COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _starttls_scan; echo "${COMPREPLY[*]}"' \
    _ "$@"
}
[ "$(complete_words starttls-scan cla)" = classify ] || fail "subcommand completion: $(complete_words starttls-scan cla)"
[ "$(complete_words starttls-scan classify --input-f)" = --input-format ] ||
  fail "flag completion: $(complete_words starttls-scan classify --input-f)"
[ "$(complete_words starttls-scan --address-families '')" = "ipv4 ipv6 both" ] ||
  fail "choice completion: $(complete_words starttls-scan --address-families '')"
[ -z "$(complete_words starttls-scan diff --input-f)" ] || fail "diff offered scan's flags"

for schema in /usr/share/starttls-scan/schema/*.json; do
  python3 -m json.tool "$schema" >/dev/null || fail "$schema is not JSON"
done

"${apt[@]}" purge -y starttls-scan >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get purge"; }
installed=0
[ ! -e "$scan" ] && [ ! -e "$page" ] || fail "purge left files behind"
echo "package.deb: $deb built, lintian without errors, installed, ran, purged"
