#!/usr/bin/env bash
# Build the local environment's upstream binaries from Go source, once per version.
#
#   build_binaries.sh COMPONENT VERSION CACHE_DIR [SOURCE_DIR]
#
#   kubernetes  v1.34.4   kube-apiserver, kube-controller-manager, kube-scheduler  (k8s.io/kubernetes)
#   istio       <pseudo>  pilot-discovery, pilot-agent, plus the Envoy bootstrap template and the Helm
#                         charts of that very version                             (istio.io/istio)
#   helm        v3.22.0   helm, to render Istio's charts                          (helm.sh/helm/v3)
#   kustomize   v5.7.1    kustomize, to render Kyma's api-gateway manifests       (sigs.k8s.io/kustomize/kustomize/v5)
#   api-gateway 3.10.0    manager, Kyma's api-gateway controller; from SOURCE_DIR (a checkout)
#   fortio      v1.66.5   fortio, Istio's load tool, for the tests and benchmarks      (fortio.org/fortio)
#
# Everything lands in CACHE_DIR/COMPONENT/VERSION/ and nothing is built when a complete set is there
# (a file .complete is written last). Modules come from the Go module proxy; the output shows
# progress (a line every 100 packages) and the whole log is kept beside the build.
set -euo pipefail

component=${1:?usage: build_binaries.sh COMPONENT VERSION CACHE_DIR [SOURCE_DIR]}
version=${2:?usage: build_binaries.sh COMPONENT VERSION CACHE_DIR [SOURCE_DIR]}
cache=${3:?usage: build_binaries.sh COMPONENT VERSION CACHE_DIR [SOURCE_DIR]}
source_dir=${4:-}
out="$cache/$component/$version"
work="$cache/build/$component-$version"
log="$work/build.log"

if [[ -f "$out/.complete" ]]; then
  echo "$component $version: cached in $out"
  exit 0
fi
command -v go >/dev/null || { echo "Go is not installed: it is needed once to build $component $version" >&2; exit 3; }
export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
mkdir -p "$work" "$out"
started=$(date +%s)
: >"$log"

# go build -v prints a package per line: show a line every 100 of them.
compile() {  # compile OUTPUT_DIR LDFLAGS PACKAGE...
  local output=$1 ldflags=$2 count=0
  shift 2
  while IFS= read -r line; do
    echo "$line" >>"$log"
    count=$((count + 1))
    (( count % 100 == 0 )) && echo "  $count packages, $(( $(date +%s) - started )) s"
  done < <(go build -v -trimpath -ldflags "$ldflags" -o "$output/" "$@" 2>&1; echo "exit $?")
  if ! tail -n 1 "$log" | grep -qx "exit 0"; then
    echo "$component $version failed to build; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 6
  fi
}

module_dir() {  # the module cache folder of MODULE@VERSION
  go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)",/\1/p'
}

scratch_module() {  # a helper module in $work that requires MODULE VERSION (plus the given replace lines)
  local module=$1 module_version=$2 replaces=${3:-}
  {
    echo "module kyma.localenv/build-$component"
    echo
    echo "go 1.24.0"
    echo
    echo "require $module $module_version"
    [[ -n "$replaces" ]] && printf '\nreplace (\n%s\n)\n' "$replaces"
  } >"$work/go.mod"
  printf '//go:build tools\n\npackage tools\n\n' >"$work/tools.go"
}

case "$component" in
  kubernetes)
    echo "kubernetes $version: first build of kube-apiserver, kube-controller-manager and kube-scheduler."
    echo "It downloads about 300 MB of Go modules and compiles about 2,300 packages: about 5 minutes on"
    echo "2 cores here, longer on slower machines. Later runs reuse $out. Log: $log"
    minor_patch=${version#v1.}
    cd "$work"
    kubernetes_mod=$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
    [[ -f "$kubernetes_mod" ]] || { echo "could not download k8s.io/kubernetes@$version from the Go module proxy" >&2; exit 4; }
    # Kubernetes' go.mod points each k8s.io/* staging module at ./staging; its published twin is v0.MINOR.PATCH.
    replaces=$(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/src/k8s.io/[a-z0-9-]*$#\t\1 => \1 v0.'"$minor_patch"'#p' "$kubernetes_mod")
    scratch_module k8s.io/kubernetes "$version" "$replaces"
    packages=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler)
    printf 'import _ "%s"\n' "${packages[@]}" >>"$work/tools.go"
    ldflags="-s -w"
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor_patch%%.*}"
      ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    done
    echo "[1/2] resolving and downloading modules"
    go mod tidy >>"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 5; }
    echo "[2/2] compiling"
    compile "$out" "$ldflags" "${packages[@]}"
    "$out/kube-apiserver" --version
    ;;
  istio)
    echo "istio $version: first build of pilot-discovery (istiod) and pilot-agent."
    echo "It downloads about 700 MB of Go modules and compiles about 2,000 packages: about 4 minutes"
    echo "on 2 cores here (2.2 GiB of memory at the peak). Later runs reuse $out. Log: $log"
    cd "$work"
    scratch_module istio.io/istio "$version"
    packages=(istio.io/istio/pilot/cmd/pilot-discovery istio.io/istio/pilot/cmd/pilot-agent)
    printf 'import _ "%s"\n' "${packages[@]}" >>"$work/tools.go"
    echo "[1/3] resolving and downloading modules"
    go mod tidy >>"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 5; }
    echo "[2/3] compiling"
    compile "$out" "-s -w -X istio.io/istio/pkg/version.buildVersion=$version" "${packages[@]}"
    echo "[3/3] copying the Envoy bootstrap template and the Helm charts of this version"
    istio_dir=$(module_dir "istio.io/istio@$version")
    cp "$istio_dir/tools/packaging/common/envoy_bootstrap.json" "$out/envoy_bootstrap.json"
    rm -rf "$out/charts" && mkdir -p "$out/charts"
    cp -r "$istio_dir/manifests/charts/base" "$istio_dir/manifests/charts/istio-control/istio-discovery" \
      "$istio_dir/manifests/charts/gateway" "$out/charts/"
    chmod -R u+w "$out/charts"
    "$out/pilot-agent" version --short
    ;;
  helm)
    echo "helm $version: first build (about a minute on 2 cores). Later runs reuse $out. Log: $log"
    cd "$work"
    scratch_module helm.sh/helm/v3 "$version"
    printf 'import _ "helm.sh/helm/v3/cmd/helm"\n' >>"$work/tools.go"
    echo "[1/2] resolving and downloading modules"
    go mod tidy >>"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 5; }
    echo "[2/2] compiling"
    compile "$out" "-s -w -X helm.sh/helm/v3/internal/version.version=$version" helm.sh/helm/v3/cmd/helm
    "$out/helm" version --short
    ;;
  kustomize)
    echo "kustomize $version: first build (about a minute on 2 cores). Later runs reuse $out. Log: $log"
    cd "$work"
    scratch_module sigs.k8s.io/kustomize/kustomize/v5 "$version"
    printf 'import _ "sigs.k8s.io/kustomize/kustomize/v5"\n' >>"$work/tools.go"
    echo "[1/2] resolving and downloading modules"
    go mod tidy >>"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 5; }
    echo "[2/2] compiling"
    compile "$out" "-s -w" sigs.k8s.io/kustomize/kustomize/v5
    [[ -x "$out/kustomize" ]] || mv "$out/v5" "$out/kustomize"
    "$out/kustomize" version
    ;;
  fortio)
    echo "fortio $version: first build (about a minute on 2 cores). Later runs reuse $out. Log: $log"
    cd "$work"
    scratch_module fortio.org/fortio "$version"
    printf 'import _ "fortio.org/fortio"\n' >>"$work/tools.go"
    echo "[1/2] resolving and downloading modules"
    go mod tidy >>"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 5; }
    echo "[2/2] compiling"
    compile "$out" "-s -w" fortio.org/fortio
    "$out/fortio" version
    ;;
  api-gateway)
    [[ -f "$source_dir/go.mod" && -d "$source_dir/cmd" ]] || {
      echo "api-gateway $version: no source checkout at '${source_dir}' (a folder with go.mod and cmd/)" >&2; exit 4; }
    echo "api-gateway $version: first build of Kyma's api-gateway manager from $source_dir"
    echo "(about 2 minutes on 2 cores here). Later runs reuse $out. Log: $log"
    # A copy: the build may write go.sum, and the checkout may be read-only.
    rm -rf "$work/src" && cp -r "$source_dir" "$work/src" && chmod -R u+w "$work/src" && cd "$work/src"
    echo "[1/1] downloading modules and compiling"
    compile "$work/bin" "-s -w" ./cmd
    mv "$work/bin/cmd" "$out/manager"
    ;;
  *)
    echo "unknown component $component (kubernetes, istio, helm, kustomize, api-gateway, fortio)" >&2
    exit 2
    ;;
esac
touch "$out/.complete"
echo "$component $version built in $(( $(date +%s) - started )) s: $out"
