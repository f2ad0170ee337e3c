#!/usr/bin/env bash
# The Docker example (README, "With Docker"): on a fresh Debian machine (as root), install what is missing (the same
# list as CI: .ci/setup.sh), start dockerd when no engine answers (left running: the stack lives on
# it), build berth, build the example's base images offline (debootstrap; cached in
# ~/.cache/berth/test-images), then bring up examples/nginx-springboot — nginx in front of a Java app
# built from source by a multi-stage Dockerfile — and show it answering through nginx.
#
#   bash scripts/example-docker.sh               # http://127.0.0.1:8080/hello
#   BERTH_EXAMPLE_PORT=9090 bash scripts/example-docker.sh
#
# The compose file defaults to the public images (nginx:1.27, eclipse-temurin:17-jdk/-jre); this
# script points it at the locally built equivalents, so it needs no registry at all.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=../.ci/setup.sh
source .ci/setup.sh

log "npm ci && npm run build"
npm ci --no-audit --no-fund </dev/null
npm run build </dev/null

log "offline base images: node scripts/test-images.mjs (minutes the first time, seconds after)"
node scripts/test-images.mjs berth-test/nginx:1 berth-test/jdk:17 berth-test/jre:17 </dev/null

port="${BERTH_EXAMPLE_PORT:-8080}"
export HTTP_PORT="127.0.0.1:$port"
export NGINX_IMAGE=berth-test/nginx:1 JDK_IMAGE=berth-test/jdk:17 JRE_IMAGE=berth-test/jre:17
compose=(node bin/berth.js -f examples/nginx-springboot/compose.yaml)

log "berth up -d --wait --build (examples/nginx-springboot)"
"${compose[@]}" up -d --wait --build </dev/null
"${compose[@]}" ps

log "GET http://$HTTP_PORT/hello"
node -e '
fetch(process.argv[1]).then(async (r) => {
  const body = (await r.text()).trim();
  console.log(`HTTP ${r.status}: ${body}`);
  if (!r.ok) process.exit(1);
}, (e) => { console.error(e.message); process.exit(1); });
' "http://$HTTP_PORT/hello"

log "up and answering. Take it down with: ${compose[*]} down"
