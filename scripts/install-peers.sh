#!/usr/bin/env bash
# Installs the real SIP peers and audio tools the interop tests talk to (Debian packages):
# sipp (sip-tester), Kamailio (with its TLS and WebSocket modules), baresip, flite, sox, coturn (TURN relay); and the validators the deployment
# tests use: systemd-analyze (systemd) and docker-compose. Skips what is already there.
set -euo pipefail
pkgs=()
command -v sipp >/dev/null 2>&1 || pkgs+=(sip-tester)
command -v kamailio >/dev/null 2>&1 || pkgs+=(kamailio)
[ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ] || pkgs+=(kamailio-tls-modules)
[ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/websocket.so ] || pkgs+=(kamailio-websocket-modules)
command -v baresip >/dev/null 2>&1 || pkgs+=(baresip-core)
command -v flite >/dev/null 2>&1 || pkgs+=(flite)
command -v sox >/dev/null 2>&1 || pkgs+=(sox)
command -v turnserver >/dev/null 2>&1 || pkgs+=(coturn)
[ -f /usr/lib/baresip/modules/alsa.so ] || pkgs+=(baresip-core)
command -v systemd-analyze >/dev/null 2>&1 || pkgs+=(systemd)
command -v docker-compose >/dev/null 2>&1 || pkgs+=(docker-compose)
if [ ${#pkgs[@]} -eq 0 ]; then
  echo "install-peers: all test peers present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-peers: installing ${pkgs[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
