#!/usr/bin/env bash
# Builds mediasoup's C++ worker (node_modules/mediasoup/worker) offline from
# Debian 12 libraries and caches the binary outside the repository.
#
#   export MEDIASOUP_WORKER_BIN="$(bash scripts/build-mediasoup-worker.sh)"
#
# The last line of stdout is the absolute path of the binary; every log goes to
# stderr. Nothing is downloaded from GitHub or PyPI: the C/C++ dependencies are
# Debian packages (installed with apt-get when missing, which needs root), and
# mediasoup's meson subprojects are replaced by the stand-ins in
# infra/mediasoup-worker/subprojects (see infra/mediasoup-worker/README.md).
# meson >= 1.1 comes from bookworm-backports as a .deb unpacked into the cache,
# through an apt configuration of its own: the system's apt sources are left
# alone.
#
# Cache: ${MEDIASOUP_WORKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/confidentiel/mediasoup-worker}
#   <mediasoup version>-<sha256 of the build inputs>/mediasoup-worker
# The inputs are the worker sources, the stand-ins, this script, the meson
# options, meson's version and the versions of the Debian packages used. A
# binary is rebuilt only when one of them changes. The binary links the Debian
# libraries dynamically (libuv1, libssl3, libsrtp2-1, libflatbuffers2,
# libabsl20220623): a machine that runs it needs them.
#
# Environment: MEDIASOUP_WORKER_CACHE (cache directory), MEDIASOUP_WORKER_JOBS
# (ninja jobs, default 2), DEBIAN_MIRROR (default http://deb.debian.org/debian),
# MEDIASOUP_WORKER_KEEP_BUILD=1 (keep the scratch build directory).
set -euo pipefail

readonly BUILD_PACKAGES=(
  g++ pkg-config ninja-build python3 patch
  libuv1-dev libssl-dev libsrtp2-dev libflatbuffers-dev flatbuffers-compiler
  # Only for libwebrtc's bandwidth estimator, mediasoup's default.
  libabsl-dev
)
# --force-fallback-for: always take the unordered_dense stand-in, even where a
# system copy exists, so that the cache key says what was built.
readonly MESON_OPTIONS=(
  --wrap-mode=nodownload
  --force-fallback-for=unordered_dense
  --buildtype release
  -Db_ndebug=true
)
readonly MESON_MIN_VERSION="1.1.0"
readonly BACKPORTS_SUITE="bookworm-backports"
# The subprojects mediasoup's meson.build asks for, by wrap name. Catch2 is only
# used by the worker's own tests (not built) and wingetopt only on Windows.
readonly STANDIN_WRAPS=(libuv openssl libsrtp3 flatbuffers unordered-dense abseil-cpp)

log() { echo "build-mediasoup-worker: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
script="$root/scripts/$(basename "${BASH_SOURCE[0]}")"
worker_src="$root/node_modules/mediasoup/worker"
standins="$root/infra/mediasoup-worker"
cache_root="${MEDIASOUP_WORKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/confidentiel/mediasoup-worker}"
jobs="${MEDIASOUP_WORKER_JOBS:-2}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

[ -f "$worker_src/meson.build" ] || die "no mediasoup worker sources at $worker_src (run npm ci first)"
mkdir -p "$cache_root"
cache_root="$(cd "$cache_root" && pwd)"

# --- Debian packages ---------------------------------------------------------

is_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]
}

ensure_packages() {
  local missing=() p
  for p in "${BUILD_PACKAGES[@]}"; do
    is_installed "$p" || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0

  [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]} (install them as root, or run this script as root)"
  # Refresh the package lists only if apt does not know one of them yet.
  for p in "${missing[@]}"; do
    if [ -z "$(apt-cache madison "$p" 2>/dev/null)" ]; then
      log "apt-get update (no candidate for $p)"
      apt-get update >&2
      break
    fi
  done
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
}

# --- meson from bookworm-backports -------------------------------------------

version_at_least() { # $1 >= $2, Debian version ordering
  dpkg --compare-versions "$1" ge "$2"
}

# Prints the directory of the newest meson unpacked in the cache, if any.
cached_meson() {
  local dir best=""
  for dir in "$cache_root"/meson/*/; do
    [ -x "$dir/usr/bin/meson" ] || continue
    if [ -z "$best" ] || version_at_least "$(basename "$dir")" "$(basename "$best")"; then best="${dir%/}"; fi
  done
  echo "$best"
}

# Prints the directory of an unpacked meson .deb (holding usr/bin/meson),
# fetching it once into the cache.
ensure_meson() {
  local dir v
  dir="$(cached_meson)"
  if [ -z "$dir" ]; then
    # One fetch at a time (apt locks its lists); the lock goes with this subshell.
    exec 8>"$cache_root/.meson.lock"
    flock 8
    dir="$(cached_meson)"
  fi
  if [ -n "$dir" ]; then
    echo "$dir"
    return 0
  fi

  # An apt configuration of our own: backports only, lists and archives under
  # the cache, no hooks. apt checks the .deb against the signed Release file.
  local apt="$cache_root/apt"
  mkdir -p "$apt/etc/sources.list.d" "$apt/etc/preferences.d" "$apt/lists/partial" "$apt/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $BACKPORTS_SUITE main" >"$apt/etc/sources.list"
  cat >"$apt/apt.conf" <<EOF
Dir::Etc::SourceList "$apt/etc/sources.list";
Dir::Etc::SourceParts "$apt/etc/sources.list.d";
Dir::Etc::Preferences "$apt/etc/preferences";
Dir::Etc::PreferencesParts "$apt/etc/preferences.d";
Dir::State::Lists "$apt/lists";
Dir::Cache "$apt/cache";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Sandbox::User "root";
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
EOF
  log "fetching meson from $BACKPORTS_SUITE"
  APT_CONFIG="$apt/apt.conf" apt-get update >&2
  local tmp
  tmp="$(mktemp -d "$cache_root/meson-dl.XXXXXX")"
  (cd "$tmp" && APT_CONFIG="$apt/apt.conf" apt-get download "meson/$BACKPORTS_SUITE" >&2)
  local deb
  deb="$(ls "$tmp"/meson_*.deb)"
  v="$(dpkg-deb -f "$deb" Version)"
  version_at_least "$v" "$MESON_MIN_VERSION" || die "meson $v from $BACKPORTS_SUITE is older than $MESON_MIN_VERSION"
  dpkg-deb -x "$deb" "$tmp/root"
  mkdir -p "$cache_root/meson"
  rm -rf "${cache_root:?}/meson/$v"
  mv -T "$tmp/root" "$cache_root/meson/$v"
  rm -rf "$tmp"
  echo "$cache_root/meson/$v"
}

# --- cache key ---------------------------------------------------------------

# NUL-separated, sorted paths (relative to the worker directory) of the worker
# sources: everything but build output and downloaded subprojects.
worker_files() {
  (
    cd "$worker_src"
    {
      find . \( -path ./out -o -path ./subprojects \) -prune -o -type f -print0
      find ./subprojects -maxdepth 1 -type f -print0
      [ -d ./subprojects/packagefiles ] && find ./subprojects/packagefiles -type f -print0
    } | LC_ALL=C sort -z
  )
}

build_inputs() {
  local p
  echo "mediasoup $mediasoup_version"
  echo "arch $(dpkg --print-architecture)"
  echo "meson $(basename "$meson_dir")"
  echo "meson-options ${MESON_OPTIONS[*]}"
  for p in "${BUILD_PACKAGES[@]}"; do
    echo "deb $p $(dpkg-query -W -f='${Version}' "$p")"
  done
  echo "compiler $(g++ -v 2>&1 | tail -n 1)"
  echo "script $(sha256sum <"$script" | cut -d' ' -f1)"
  echo "worker-sources $(worker_files | (cd "$worker_src" && xargs -0 sha256sum) | sha256sum | cut -d' ' -f1)"
  (cd "$standins" && find subprojects test patches -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sed 's/^/standin /')
}

# --- build -------------------------------------------------------------------

check_standins() {
  local wrap dir
  for wrap in "${STANDIN_WRAPS[@]}"; do
    [ -f "$worker_src/subprojects/$wrap.wrap" ] || die "mediasoup has no subprojects/$wrap.wrap any more: review infra/mediasoup-worker"
    dir="$(sed -n 's/^directory *= *//p' "$worker_src/subprojects/$wrap.wrap")"
    [ -f "$standins/subprojects/$dir/meson.build" ] ||
      die "mediasoup's $wrap.wrap wants subprojects/$dir, infra/mediasoup-worker/subprojects has no such stand-in: update it"
  done
}

scratch=""
build() {
  local out_dir="$1" started
  started="$(date +%s)"
  scratch="$(mktemp -d "$cache_root/build.XXXXXX")"
  if [ "${MEDIASOUP_WORKER_KEEP_BUILD:-0}" = 1 ]; then
    log "keeping scratch build directory $scratch"
  else
    trap 'rm -rf "$scratch"' EXIT
  fi

  # Out of tree: a copy of the worker sources with the stand-ins where meson
  # looks for subprojects. node_modules is left untouched.
  mkdir -p "$scratch/worker"
  worker_files | tar -C "$worker_src" --null -T - -cf - | tar -C "$scratch/worker" -xf -
  cp -a "$standins/subprojects/." "$scratch/worker/subprojects/"
  # Fixes to mediasoup's own sources, each explained in its patch
  # (infra/mediasoup-worker/patches, see the README there).
  local patch_file
  for patch_file in "$standins"/patches/*.patch; do
    [ -e "$patch_file" ] || continue
    log "applying $(basename "$patch_file")"
    patch -d "$scratch/worker" -p1 --forward --batch --quiet <"$patch_file" >&2 ||
      die "$(basename "$patch_file") does not apply to mediasoup $mediasoup_version: review it"
  done

  # The libsrtp 3 API glue is checked on its own first (seconds, not minutes).
  log "checking the libsrtp 3 compatibility header"
  local srtp_inc
  srtp_inc="$(dirname "$(find "$standins/subprojects" -path '*/include/srtp.h' | head -n 1)")"
  # shellcheck disable=SC2046 # pkg-config output is a list of flags
  g++ -std=c++20 -O2 -Wall -Wextra -Werror -I"$srtp_inc" \
    "$standins/test/srtp3-compat-check.cpp" -o "$scratch/srtp3-compat-check" $(pkg-config --cflags --libs libsrtp2) >&2
  "$scratch/srtp3-compat-check" >&2 || die "the libsrtp 3 compatibility header failed its check"

  export PYTHONPATH="$meson_dir/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}"
  local meson=(/usr/bin/python3 "$meson_dir/usr/bin/meson")
  log "meson setup (meson $("${meson[@]}" --version))"
  "${meson[@]}" setup "$scratch/build" "$scratch/worker" "${MESON_OPTIONS[@]}" >&2
  log "ninja -j$jobs (several minutes)"
  ninja -C "$scratch/build" -j "$jobs" mediasoup-worker >&2

  local bin="$scratch/build/mediasoup-worker"
  [ -x "$bin" ] || die "ninja finished without $bin"
  if ldd "$bin" | grep -q 'not found'; then
    ldd "$bin" >&2
    die "the worker misses shared libraries"
  fi

  # Publish atomically: a directory appears complete or not at all.
  local staging="$out_dir.tmp.$$"
  rm -rf "$staging"
  mkdir -p "$staging"
  cp "$bin" "$staging/mediasoup-worker"
  printf '%s\n' "$inputs" >"$staging/build-inputs.txt"
  if ! mv -T "$staging" "$out_dir" 2>/dev/null; then
    rm -rf "$staging"
    [ -x "$out_dir/mediasoup-worker" ] || die "could not publish $out_dir"
  fi
  log "built in $(($(date +%s) - started)) s"
}

ensure_packages
mediasoup_version="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$worker_src/../package.json")"
check_standins
meson_dir="$(ensure_meson)"

inputs="$(build_inputs)"
key="$(printf '%s\n' "$inputs" | sha256sum | cut -d' ' -f1)"
out_dir="$cache_root/$mediasoup_version-$key"

if [ ! -x "$out_dir/mediasoup-worker" ]; then
  # One build at a time per cache; the second caller reuses the first's result.
  exec 9>"$cache_root/.lock"
  if ! flock -n 9; then
    log "waiting for another build in $cache_root to finish"
    flock 9
  fi
  if [ -x "$out_dir/mediasoup-worker" ]; then
    log "built meanwhile by another run: $out_dir"
  else
    log "building mediasoup $mediasoup_version worker into $out_dir"
    build "$out_dir"
  fi
else
  log "cached: $out_dir"
fi

echo "$out_dir/mediasoup-worker"
