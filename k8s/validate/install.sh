#!/bin/sh
# Installs the schema validator's packages (k8s/validate/node_modules, versions pinned in
# package-lock.json) for K8sManifestsTest. The Maven build runs this before the tests (profile
# k8s-validate-install in pom.xml) when node_modules is missing; by hand: sh k8s/validate/install.sh
#
#   no npm on PATH   a warning, exit 0: the build goes on and K8sManifestsTest skips, saying why
#   online           npm ci; if it fails, so does the build, with the fix in the message
#   offline ($1 = true, Maven's -o)
#                    npm ci --offline, from npm's cache only; if that fails, a warning and exit 0
#                    (the test skips) since an offline build cannot reach the npm registry
set -u
cd "$(dirname "$0")"
offline="${1:-false}"
if ! command -v npm >/dev/null 2>&1; then
  echo "[WARNING] k8s/validate: no npm on PATH, so K8sManifestsTest will skip its 4 cases." \
    "Install Node.js with npm (Debian: apt-get install nodejs npm, as .ci/run does) and build again."
  exit 0
fi
if [ "$offline" = true ]; then
  echo "[INFO] k8s/validate: npm ci --offline (Maven is offline: npm's cache only)"
  if ! npm ci --offline --no-audit --no-fund --loglevel=error; then
    rm -rf node_modules
    echo "[WARNING] k8s/validate: npm ci --offline failed (the packages are not in npm's cache)," \
      "so K8sManifestsTest will skip its 4 cases. Build once online, or run npm ci --prefix k8s/validate."
  fi
  exit 0
fi
echo "[INFO] k8s/validate: npm ci (node_modules is missing)"
if ! npm ci --no-audit --no-fund --loglevel=error; then
  rm -rf node_modules
  echo "[ERROR] k8s/validate: npm ci failed (above), so K8sManifestsTest could not validate the manifests." \
    "Fix npm's access to its registry and build again, or build with -Dk8s.validate.skip (offline: -o)" \
    "to let K8sManifestsTest skip instead."
  exit 1
fi
