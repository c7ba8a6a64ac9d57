#!/usr/bin/env bash
# Build a real kube-apiserver from the Go module k8s.io/kubernetes, once per version.
#
#   build_kube_apiserver.sh VERSION CACHE_DIR      e.g. v1.34.4 ~/.cache/kyma-mtls
#
# The binary lands in CACHE_DIR/kube-apiserver/VERSION/kube-apiserver; when it is there (and
# reports VERSION) nothing is built. A tiny helper module requires k8s.io/kubernetes and replaces
# each k8s.io/* staging module (./staging/src/... in Kubernetes' own go.mod) with its published
# v0.MINOR.PATCH twin, which is what makes the main module buildable from the module proxy.
set -euo pipefail

version=${1:?usage: build_kube_apiserver.sh VERSION CACHE_DIR}
cache=${2:?usage: build_kube_apiserver.sh VERSION CACHE_DIR}
out_dir="$cache/kube-apiserver/$version"
binary="$out_dir/kube-apiserver"

if [[ -x "$binary" ]] && "$binary" --version 2>/dev/null | grep -qx "Kubernetes $version"; then
  echo "kube-apiserver $version: cached at $binary"
  exit 0
fi
command -v go >/dev/null || { echo "Go is not installed: it is needed once to build kube-apiserver $version" >&2; exit 3; }

minor_patch=${version#v1.}
work="$cache/build/kube-apiserver-$version"
log="$work/build.log"
mkdir -p "$work" "$out_dir"
started=$(date +%s)
echo "kube-apiserver $version: first build. It downloads about 300 MB of Go modules and compiles"
echo "about 2,000 packages: about 4 minutes on 2 cores here, longer on slower machines. Later runs reuse $binary."
echo "Log: $log"

export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
cd "$work"
kubernetes_mod=$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
[[ -f "$kubernetes_mod" ]] || { echo "could not download k8s.io/kubernetes@$version from the Go module proxy" >&2; exit 4; }
{
  echo "module kyma.mtls.local/kube-apiserver-build"
  echo
  echo "go 1.24.0"
  echo
  echo "require k8s.io/kubernetes $version"
  echo
  echo "replace ("
  sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/src/k8s.io/[a-z0-9-]*$#\t\1 => \1 v0.'"$minor_patch"'#p' "$kubernetes_mod"
  echo ")"
} > go.mod
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
GO

ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor_patch%%.*}"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
done

echo "[1/2] resolving and downloading modules"
go mod tidy >"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 5; }
echo "[2/2] compiling (a line every 100 packages)"
count=0
while IFS= read -r line; do
  echo "$line" >>"$log"
  count=$((count + 1))
  (( count % 100 == 0 )) && echo "  $count packages, $(( $(date +%s) - started )) s"
done < <(go build -v -trimpath -ldflags "$ldflags" -o "$binary.tmp" k8s.io/kubernetes/cmd/kube-apiserver 2>&1 || true)
if [[ ! -x "$binary.tmp" ]]; then
  echo "kube-apiserver $version failed to build; last lines of $log:" >&2
  tail -n 30 "$log" >&2
  exit 6
fi
mv "$binary.tmp" "$binary"
echo "kube-apiserver $version built in $(( $(date +%s) - started )) s: $binary"
"$binary" --version
