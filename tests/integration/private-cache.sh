# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/integration/lib.sh and bench/lib.sh, inside their own
# mount namespace.
# A herdccd that loses CACHE_DIRECTORY (one started by sshd, by a service
# manager) and runs as root keeps its result cache in /var/cache/herdccd:
# in the test's mount namespace that is a directory of the test's own.
# /var/cache becomes a tmpfs holding the machine's other entries, bound
# back in place from a descriptor of the real one (no path to the real
# /var/cache is left anywhere, so no clean-up can reach it), and an empty
# herdccd.
private_var_cache() {
  local real entry name
  exec {real}</var/cache || return 0
  if mount -t tmpfs -o mode=755 tmpfs /var/cache; then
    for entry in /proc/$$/fd/"$real"/*; do
      name=$(basename "$entry")
      [ -e "$entry" ] && [ "$name" != herdccd ] || continue
      if [ -d "$entry" ]; then mkdir "/var/cache/$name"; else : >"/var/cache/$name"; fi
      mount --no-canonicalize --bind "$entry" "/var/cache/$name"
    done
    mkdir -p /var/cache/herdccd
  fi
  exec {real}<&-
}
