#!/usr/bin/env bash
# The README's first command: on a fresh Debian machine (as root), with no Docker at all, install what
# berth's built-in engine needs (runc, conmon, netavark, aardvark-dns, …: .ci/setup.sh with
# BERTH_SETUP=builtin), build berth, make a busybox image offline (`berth image import` of a rootfs
# made from Debian's busybox-static), and bring up examples/hello-builtin — two services, `web`
# published on 127.0.0.1 asking `api` by its service name — on the built-in engine, then show it
# answering.
#
#   bash scripts/example.sh                      # http://127.0.0.1:8080/cgi-bin/hello
#   BERTH_EXAMPLE_PORT=9090 bash scripts/example.sh
#
# The stack stays up; the last line says how to take it down. State lives in /var/lib/berth and
# /run/berth (BERTH_ROOT / BERTH_RUNROOT move them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export BERTH_SETUP=builtin
# shellcheck source=../.ci/setup.sh
source .ci/setup.sh

log "npm ci && npm run build"
npm ci --no-audit --no-fund </dev/null
npm run build </dev/null

berth=(node bin/berth.js --runtime builtin)
image=berth-demo/busybox:1
if ! "${berth[@]}" image inspect "$image" >/dev/null 2>&1; then
  log "berth image import: $image from /bin/busybox (busybox-static)"
  rootfs="$(mktemp -d /tmp/berth-demo-rootfs.XXXXXX)"
  trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs"/{bin,etc,tmp,root,srv}
  chmod 1777 "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list-full); do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$rootfs/$(dirname "$applet")"
    ln -sf /bin/busybox "$rootfs/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  tar --numeric-owner -C "$rootfs" -cf "$rootfs.tar" .
  "${berth[@]}" image import -c 'CMD ["sh"]' "$rootfs.tar" "$image"
  rm -f "$rootfs.tar"
fi

port="${BERTH_EXAMPLE_PORT:-8080}"
export HTTP_PORT="127.0.0.1:$port" BUSYBOX_IMAGE="$image"
compose=("${berth[@]}" -f examples/hello-builtin/compose.yaml)

log "berth --runtime builtin up -d --wait (examples/hello-builtin)"
"${compose[@]}" up -d --wait </dev/null
"${compose[@]}" ps

log "GET http://$HTTP_PORT/cgi-bin/hello"
node -e '
fetch(process.argv[1]).then(async (r) => {
  const body = (await r.text()).trim();
  console.log(`HTTP ${r.status}: ${body}`);
  if (!r.ok || !body.includes("api says: hello from api")) process.exit(1);
}, (e) => { console.error(e.message); process.exit(1); });
' "http://$HTTP_PORT/cgi-bin/hello"

log "up and answering, no Docker involved. Take it down with: ${compose[*]} down"
