#!/usr/bin/env bash
# Cross-compiles static mailconv binaries for the release targets, stamped
# with version, commit and build date (shown by `mailconv version`), and
# writes SHA256SUMS beside them.
#
# Usage: dist/build.sh [OUTDIR]          (default: dist/out)
# Environment:
#   VERSION  version to stamp (default: git describe, else "dev")
#   COMMIT   commit to stamp (default: git rev-parse HEAD, else empty)
#   TARGETS  space-separated GOOS/GOARCH list (default: the six below)
#   SOURCE_DATE_EPOCH  build date for reproducible builds (default: now)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist/out}
mkdir -p "$out"
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
commit=${COMMIT:-$(git rev-parse HEAD 2>/dev/null || true)}
epoch=${SOURCE_DATE_EPOCH:-$(date +%s)}
date=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r "$epoch" +%Y-%m-%dT%H:%M:%SZ)
targets=${TARGETS:-"windows/amd64 windows/arm64 darwin/amd64 darwin/arm64 linux/amd64 linux/arm64"}

case $version in *[!A-Za-z0-9._+-]*) echo "build.sh: bad VERSION $version" >&2; exit 2;; esac

for t in $targets; do
  goos=${t%/*} goarch=${t#*/}
  ext=
  [ "$goos" = windows ] && ext=.exe
  bin="$out/mailconv-$version-$goos-$goarch$ext"
  echo "building $bin" >&2
  # CGO_ENABLED=0: a static binary that needs no C library on the target.
  CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch go build -trimpath \
    -ldflags "-s -w -X main.version=$version -X main.commit=$commit -X main.buildDate=$date" \
    -o "$bin" ./cmd/mailconv
done

cd "$out"
if command -v sha256sum >/dev/null; then
  sha256sum mailconv-"$version"-* > SHA256SUMS
else
  shasum -a 256 mailconv-"$version"-* > SHA256SUMS
fi
