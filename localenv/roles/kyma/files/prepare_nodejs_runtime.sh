#!/usr/bin/env bash
# Kyma's Node.js Function runtime (server.mjs, lib/, package.json of the release) with its npm
# dependencies, as the runtime image holds it in /usr/src/app, once per release.
#   prepare_nodejs_runtime.sh RUNTIME_SOURCE PACKAGE_LOCK TARGET
# PACKAGE_LOCK pins the versions its package.json allows (the image runs a plain npm install).
set -euo pipefail
source=${1:?usage: prepare_nodejs_runtime.sh RUNTIME_SOURCE PACKAGE_LOCK TARGET}
lock=${2:?usage: prepare_nodejs_runtime.sh RUNTIME_SOURCE PACKAGE_LOCK TARGET}
target=${3:?usage: prepare_nodejs_runtime.sh RUNTIME_SOURCE PACKAGE_LOCK TARGET}
command -v npm >/dev/null || { echo "npm is needed to install the dependencies of Kyma's Node.js runtime" >&2; exit 3; }
rm -rf "$target.tmp"
mkdir -p "$target.tmp"
cp -r "$source/server.mjs" "$source/lib" "$source/package.json" "$target.tmp/"
cp "$lock" "$target.tmp/package-lock.json"
(cd "$target.tmp" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
rm -rf "$target"
mv "$target.tmp" "$target"
touch "$target/.complete"
echo "Kyma's Node.js runtime is in $target"
