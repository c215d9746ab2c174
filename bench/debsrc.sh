# SPDX-License-Identifier: GPL-2.0-or-later
# debsrc_fetch PKG...: Debian 12 source packages into $debsrc_cache/src,
# once, with apt-get and a deb-src line of its own (private apt lists;
# nothing in /etc is changed). Source it before bench/lib.sh isolates the
# run: the fetch needs the network.
debsrc_cache=${XDG_CACHE_HOME:-/var/tmp}/herdcc-bench

debsrc_fetch() {
  local pkg missing=()
  for pkg in "$@"; do
    ls "$debsrc_cache/src/${pkg}_"*.dsc >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  mkdir -p "$debsrc_cache/apt/lists/partial" \
    "$debsrc_cache/apt/cache/archives/partial" "$debsrc_cache/src"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
    "http://deb.debian.org/debian bookworm main" >"$debsrc_cache/apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$debsrc_cache/apt/sources.list"
    -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$debsrc_cache/apt/lists"
    -o "Dir::Cache=$debsrc_cache/apt/cache")
  ls "$debsrc_cache/apt/lists/"*Sources* >/dev/null 2>&1 ||
    apt-get -q "${opts[@]}" update >&2
  (cd "$debsrc_cache/src" &&
    apt-get -q "${opts[@]}" source --download-only "${missing[@]}" >&2)
}

# debsrc_unpack PKG DIR: the package's source, Debian patches applied, as
# DIR (which must not exist).
debsrc_unpack() {
  dpkg-source --no-check -x "$(ls "$debsrc_cache/src/${1}_"*.dsc | tail -1)" "$2" >/dev/null
}
