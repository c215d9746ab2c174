#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `dpkg-buildpackage -b -uc -us` in a copy of the source tree builds the
# three packages (herdcc, herdccd, herdcc-monitor) with the files each
# must hold, the daemon's trigger and maintainer scripts, and lintian finds
# no error in them. The packages are built, inspected and unpacked in $T;
# nothing is installed on the machine. Skipped in a sanitizer build (the
# packages are built the same way whatever the build tree is) and where
# dpkg-dev or debhelper are missing.
. "$(dirname "$0")/lib.sh"
if [ "${HERDCC_SANITIZE:-none}" != none ]; then
  echo "a sanitizer build ($HERDCC_SANITIZE): the package build is checked in the plain one"
  exit 77
fi
for prog in dpkg-buildpackage dh dpkg-deb; do
  command -v "$prog" >/dev/null || { echo "$prog is not installed"; exit 77; }
done
isolate "$@"

say "a copy of the source tree"
src=$T/herdcc-0.1.0
mkdir "$src"
if git -C "$HERDCC_SOURCE_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$HERDCC_SOURCE_ROOT" && git ls-files -co --exclude-standard -z |
    xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$src"
else
  (cd "$HERDCC_SOURCE_ROOT" && tar -cf - --exclude='./build*' --exclude='./obj-*' .) |
    tar -xf - -C "$src"
fi
[ -f "$src/debian/control" ] || fail "no debian/ in the copy"

say "dpkg-buildpackage -b -uc -us"
(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
  dpkg-buildpackage -b -uc -us) >"$T/build.log" 2>&1 ||
  { tail -40 "$T/build.log"; fail "dpkg-buildpackage failed"; }
for p in herdcc herdccd herdcc-monitor; do
  ls "$T/${p}_"*.deb >/dev/null 2>&1 || fail "no $p package"
done

# has PACKAGE PATH...: each path is in the package.
has() {
  local pkg=$1 path
  shift
  dpkg-deb -c "$T/${pkg}_"*.deb | awk '{print $6}' | sed 's|^\./|/|; s|/$||' >"$T/$pkg.list"
  for path in "$@"; do
    grep -qx -- "$path" "$T/$pkg.list" || fail "$pkg lacks $path"
  done
}
say "herdcc: the client, masquerade links, helpers, the symlink tool"
has herdcc /usr/bin/herdcc /usr/bin/herdcc-top /usr/lib/herdcc/gcc /usr/lib/herdcc/cc \
  /usr/lib/herdcc/g++ /usr/lib/herdcc/c++ /usr/libexec/herdcc/herdcc-discover \
  /usr/libexec/herdcc/herdcc-resolve /usr/sbin/update-herdcc-symlinks \
  /usr/share/man/man1/herdcc.1.gz /usr/share/man/man8/update-herdcc-symlinks.8.gz \
  /usr/share/doc/herdcc/copyright /usr/share/doc/herdcc/protocol.md.gz
grep -q '^/usr/share/doc/herdcc/manual.md' "$T/herdcc.list" || fail "herdcc lacks the manual"
! grep -q 'herdccd$\|herdcc-monitor$' "$T/herdcc.list" || fail "herdcc holds another package's program"
say "herdccd: the daemon, units, user, default file, logrotate, trigger"
has herdccd /usr/bin/herdccd /lib/systemd/system/herdccd.service \
  /lib/systemd/system/herdccd.socket /usr/libexec/herdcc/herdccd-service \
  /usr/lib/sysusers.d/herdccd.conf /usr/lib/tmpfiles.d/herdccd.conf \
  /etc/default/herdccd /etc/logrotate.d/herdccd /usr/share/man/man1/herdccd.1.gz
mkdir "$T/ctrl"
dpkg-deb -e "$T/herdccd_"*.deb "$T/ctrl"
grep -qx 'interest-noawait /usr/bin' "$T/ctrl/triggers" || fail "no trigger on /usr/bin"
grep -qx 'interest-noawait /usr/lib/gcc' "$T/ctrl/triggers" || fail "no trigger on /usr/lib/gcc"
grep -A3 'triggered)' "$T/ctrl/postinst" | grep -c update-herdcc-symlinks >/dev/null ||
  fail "the trigger does not run update-herdcc-symlinks"
grep -q 'adduser --system' "$T/ctrl/postinst" || fail "postinst makes no user"
grep -qx /etc/default/herdccd "$T/ctrl/conffiles" || fail "/etc/default/herdccd is no conffile"
grep -q '^Depends:.*herdcc (= ' <(dpkg-deb -f "$T/herdccd_"*.deb) || fail "herdccd does not depend on herdcc"
say "herdcc-monitor: the GTK monitor and its desktop files"
has herdcc-monitor /usr/bin/herdcc-monitor /usr/share/applications/org.herdcc.Monitor.desktop \
  /usr/share/herdcc/org.herdcc.Monitor-autostart.desktop \
  /usr/share/metainfo/org.herdcc.Monitor.metainfo.xml /usr/share/man/man1/herdcc-monitor.1.gz

say "the unpacked programs run and name the installed paths"
mkdir "$T/root"
for deb in "$T"/herdcc_*.deb "$T"/herdccd_*.deb; do dpkg-deb -x "$deb" "$T/root"; done
"$T/root/usr/bin/herdcc" --version | grep -c '^herdcc 0.1.0 ' >/dev/null || fail "herdcc --version"
"$T/root/usr/bin/herdccd" --version | grep -c '^herdccd 0.1.0 ' >/dev/null || fail "herdccd --version"
"$T/root/usr/bin/herdccd" --help | grep -c '/usr/lib/herdcc' >/dev/null || fail "herdccd's allow-list is not /usr/lib/herdcc"
"$T/root/usr/libexec/herdcc/herdcc-discover" --version | grep -c 0.1.0 >/dev/null || fail "herdcc-discover"
grep -q '^ExecStart=/usr/libexec/herdcc/herdccd-service$' "$T/root/lib/systemd/system/herdccd.service" ||
  fail "the unit does not name the installed script"
grep -q '^EnvironmentFile=-/etc/default/herdccd$' "$T/root/lib/systemd/system/herdccd.service" ||
  fail "the unit does not read /etc/default/herdccd"
grep -q "herdccd=.*/usr/bin/herdccd" "$T/root/usr/libexec/herdcc/herdccd-service" ||
  grep -q '/usr/bin/herdccd' "$T/root/usr/libexec/herdcc/herdccd-service" ||
  fail "the service script does not name /usr/bin/herdccd"

if command -v lintian >/dev/null; then
  say "lintian: no errors"
  lintian --tag-display-limit 0 "$T"/herdcc_*.changes >"$T/lintian.log" 2>&1 || true
  ! grep -q '^E: ' "$T/lintian.log" || { cat "$T/lintian.log"; fail "lintian errors"; }
  say "lintian warnings: $(grep -c '^W: ' "$T/lintian.log" || true)"
fi
say "PASS"
