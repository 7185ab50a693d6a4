#!/usr/bin/env bash
# base-image.sh - the local base image `vision-flow build` builds FROM where no image registry is
# reachable: Debian bookworm (debootstrap minbase, from the mirror apt already uses) with this
# machine's Node runtime (node, npm and its headers for native builds) copied in, imported into podman.
#
#   scripts/base-image.sh          make it if missing; print its image ref on stdout, nothing else
#
# Idempotent and quiet when done. The root filesystem tarball is cached outside the clone
# (${XDG_CACHE_HOME:-$HOME/.cache}/vision-flow/base-image), one per Node version, so a fresh podman
# store re-imports it in seconds instead of bootstrapping again (about 80 s).
set -euo pipefail

say() { printf '[base-image] %s\n' "$*" >&2; }
die() { printf '[base-image] ERROR: %s\n' "$*" >&2; exit 1; }

node_bin=$(command -v node) || die "node is not on the PATH; the base image carries this machine's Node runtime"
node_version=$("$node_bin" --version)
ref="localhost/vision-flow-base:bookworm-node${node_version#v}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/vision-flow/base-image"
tarball="$cache/bookworm-minbase-node${node_version#v}-v2.tar"
# The flags this sandbox needs (cgroupfs, runc); harmless elsewhere.
podman_cmd=(podman --cgroup-manager cgroupfs)

sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
need=()
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || need+=(runc)
if [ ! -f "$tarball" ] && ! command -v debootstrap >/dev/null 2>&1 && [ ! -x /usr/sbin/debootstrap ]; then need+=(debootstrap); fi
if [ ${#need[@]} -gt 0 ]; then
  say "installing Debian packages: ${need[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi

if "${podman_cmd[@]}" image exists "$ref"; then
  echo "$ref"
  exit 0
fi

mkdir -p "$cache"
exec 9>>"$cache/.lock"
command -v flock >/dev/null 2>&1 && flock 9

if [ ! -f "$tarball" ]; then
  # The mirror apt already uses (deb822 sources or the classic list), so no other host is needed.
  mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)
  [ -n "$mirror" ] || mirror=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  root=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  say "bootstrapping Debian bookworm from $mirror (about 80 s; log: $cache/debootstrap.log)"
  if ! "${sudo_cmd[@]}" debootstrap --variant=minbase --include=libstdc++6,ca-certificates bookworm "$root" "$mirror" >"$cache/debootstrap.log" 2>&1; then
    tail -n 20 "$cache/debootstrap.log" >&2
    die "debootstrap failed (full log: $cache/debootstrap.log)"
  fi
  # Node as the machine runs it, with npm and the headers node-gyp needs (no download at build time).
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  node_prefix="$(dirname "$(dirname "$(readlink -f "$node_bin")")")"
  "${sudo_cmd[@]}" install -D -m 0755 "$(readlink -f "$node_bin")" "$root/usr/local/bin/node"
  "${sudo_cmd[@]}" mkdir -p "$root/usr/local/lib/node_modules" "$root/usr/local/include"
  "${sudo_cmd[@]}" cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  [ -d "$node_prefix/include/node" ] && "${sudo_cmd[@]}" cp -a "$node_prefix/include/node" "$root/usr/local/include/node"
  "${sudo_cmd[@]}" ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  "${sudo_cmd[@]}" ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # The certificate authorities this machine adds to Debian's (a TLS-inspecting proxy's, say), so
  # apt and npm inside builds trust what the host trusts.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    "${sudo_cmd[@]}" cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    "${sudo_cmd[@]}" chroot "$root" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed in $root"
  fi
  "${sudo_cmd[@]}" rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
  "${sudo_cmd[@]}" tar -C "$root" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
fi

say "importing $tarball as $ref"
"${podman_cmd[@]}" import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV npm_config_nodedir=/usr/local' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' \
  "$tarball" "$ref" >/dev/null
echo "$ref"
