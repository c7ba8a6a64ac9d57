#!/usr/bin/env bash
# Copy Istio's CRDs from the Go module istio.io/api@VERSION into CACHE_DIR/crds, once per version.
#   fetch_istio_crds.sh VERSION CACHE_DIR
set -euo pipefail
version=${1:?usage: fetch_istio_crds.sh VERSION CACHE_DIR}
target="${2:?usage: fetch_istio_crds.sh VERSION CACHE_DIR}/crds/istio-api-$version.yaml"
[[ -s "$target" ]] && { echo "$target"; exit 0; }
command -v go >/dev/null || { echo "Go is needed to download the Go module istio.io/api@$version" >&2; exit 3; }
dir=$(cd /tmp && GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod download -json "istio.io/api@$version" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
source="$dir/kubernetes/customresourcedefinitions.gen.yaml"
[[ -f "$source" ]] || { echo "istio.io/api@$version has no kubernetes/customresourcedefinitions.gen.yaml" >&2; exit 4; }
mkdir -p "$(dirname "$target")"
cp "$source" "$target.tmp" && mv "$target.tmp" "$target"
echo "$target"
