#!/usr/bin/env bash
# Fetches simdjson's amalgamation (singleheader/simdjson.{h,cpp}) from Debian's
# SOURCE package into a cache folder outside git. Handlers are linked
# statically and Debian ships simdjson only as a shared library, so the handler
# runtime compiles the amalgamation itself. The source version fetched is
# exactly the installed libsimdjson-dev's, so the compiler (which uses Debian's
# headers) and the handlers agree on one simdjson.
#
# Usage: fetch-simdjson.sh [DEST]   (default: <repo>/build/third_party/simdjson)
# Idempotent: a DEST already holding the right version is left alone, and then
# neither root nor the network is needed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$root/build/third_party/simdjson}

die() { echo "fetch-simdjson: $*" >&2; exit 1; }

debian_version=$(dpkg-query -W -f='${Version}' libsimdjson-dev 2>/dev/null) ||
  die "libsimdjson-dev is not installed (run scripts/install-deps.sh)"
# "3.0.1-1" -> "3.0.1": the upstream version the amalgamation states.
upstream_version=${debian_version#*:}
upstream_version=${upstream_version%-*}

amalgamation_version() {
  sed -n 's/^#define SIMDJSON_VERSION "\{0,1\}\([0-9.]*\)"\{0,1\}$/\1/p' "$1" | head -n 1
}

is_current() {
  [[ -f $dest/simdjson.h && -f $dest/simdjson.cpp && -f $dest/DEBIAN_VERSION ]] &&
    [[ $(cat "$dest/DEBIAN_VERSION") == "$debian_version" ]] &&
    [[ $(amalgamation_version "$dest/simdjson.h") == "$upstream_version" ]]
}

mkdir -p "$(dirname "$dest")"
# Several build directories may configure at once; one fetch at a time.
exec 9>"$dest.lock"
flock 9

if is_current; then
  exit 0
fi

[[ $(id -u) == 0 ]] || die "$dest is missing or stale and fetching it needs root (run scripts/install-deps.sh as root)"
command -v dpkg-source >/dev/null || die "dpkg-source is missing (install dpkg-dev)"

# A deb-src list derived from the machine's own Debian sources: the same
# mirrors, suites, components and keys, in a file of our own so the
# machine's lists stay untouched. Only suites of this release are taken
# (third-party repositories carry other suite names).
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[[ -n $codename ]] || die "cannot tell the Debian release from /etc/os-release"
src_list=/etc/apt/sources.list.d/flowc-deb-src.list
derive_deb_src() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    # deb822: one paragraph per source; fields may list several values.
    awk -v codename="$codename" '
      function flush(   i, n, suites, ok) {
        if (types ~ /(^| )deb( |$)/ && uris != "" && suite_list != "") {
          n = split(suite_list, suites, " ")
          for (i = 1; i <= n; i++) {
            if (suites[i] == codename || index(suites[i], codename "-") == 1) {
              split(uris, u, " ")
              printf "deb-src %s%s %s %s\n", (signed != "" ? "[signed-by=" signed "] " : ""), u[1], suites[i], comps
            }
          }
        }
        types = uris = suite_list = comps = signed = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      {
        key = tolower($1); sub(/:$/, "", key)
        value = $0; sub(/^[^:]*:[ \t]*/, "", value)
        if (key == "types") types = value
        else if (key == "uris") uris = value
        else if (key == "suites") suite_list = value
        else if (key == "components") comps = value
        else if (key == "signed-by") signed = value
      }
      END { flush() }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f && $f != "$src_list" ]] || continue
    # one-line format: "deb [options] URI SUITE COMPONENT..."
    awk -v codename="$codename" '
      $1 == "deb" {
        i = 2; opts = ""
        if ($2 ~ /^\[/) { while ($i !~ /\]$/) { opts = opts $i " "; i++ } opts = opts $i " "; i++ }
        suite = $(i + 1)
        if (suite == codename || index(suite, codename "-") == 1) {
          line = "deb-src " opts $i
          for (j = i + 1; j <= NF; j++) line = line " " $j
          print line
        }
      }' "$f"
  done
}
derived=$(derive_deb_src | sort -u)
[[ -n $derived ]] || die "found no Debian '$codename' sources in /etc/apt to derive a deb-src list from"
if [[ ! -f $src_list || $(cat "$src_list") != "$derived" ]]; then
  printf '%s\n' "$derived" >"$src_list"
fi

if ! apt-cache showsrc simdjson 2>/dev/null | grep -qx "Version: $debian_version"; then
  echo "fetch-simdjson: apt-get update (deb-src lists in $src_list)"
  apt-get update -qq
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt downloads as the unprivileged _apt user where it can write.
if id _apt >/dev/null 2>&1; then chown _apt "$work"; fi
echo "fetch-simdjson: apt-get source simdjson=$debian_version"
(cd "$work" && apt-get source -qq --only-source "simdjson=$debian_version" >/dev/null) ||
  die "apt-get source simdjson=$debian_version failed"
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'simdjson-*' | head -n 1)
[[ -n $srcdir && -f $srcdir/singleheader/simdjson.h && -f $srcdir/singleheader/simdjson.cpp ]] ||
  die "the source package has no singleheader/simdjson.{h,cpp}"

got=$(amalgamation_version "$srcdir/singleheader/simdjson.h")
[[ $got == "$upstream_version" ]] ||
  die "the amalgamation is simdjson $got but libsimdjson-dev is $debian_version"
# The compiler is built against Debian's installed header: it must be the same release.
installed=$(amalgamation_version /usr/include/simdjson.h 2>/dev/null || true)
[[ -z $installed || $installed == "$upstream_version" ]] ||
  die "/usr/include/simdjson.h is simdjson $installed, the source package $upstream_version"

# Assemble beside DEST, then swap it in, so a reader never sees half a copy.
staging=$dest.new
rm -rf "$staging"
mkdir -p "$staging"
cp "$srcdir/singleheader/simdjson.h" "$srcdir/singleheader/simdjson.cpp" "$staging/"
[[ -f $srcdir/LICENSE ]] && cp "$srcdir/LICENSE" "$staging/LICENSE"
[[ -f $srcdir/debian/copyright ]] && cp "$srcdir/debian/copyright" "$staging/debian-copyright"
echo "$debian_version" >"$staging/DEBIAN_VERSION"
rm -rf "$dest"
mv "$staging" "$dest"
echo "fetch-simdjson: simdjson $upstream_version amalgamation in $dest"
