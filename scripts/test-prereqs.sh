#!/usr/bin/env sh
# What the end-to-end tests run that npm cannot install: Debian's sshd, ansible-playbook and the
# services of the hybrid lab.
# Installs what is missing when run as root (as on CI); otherwise says what to install.
set -eu
missing=""
[ -x /usr/sbin/sshd ] || missing="$missing openssh-server"
command -v ansible-playbook >/dev/null 2>&1 || missing="$missing ansible"
# The hybrid lab (npm run lab): its services and the tools its runbooks use.
[ -x /usr/sbin/nginx ] || missing="$missing nginx"
[ -x /usr/sbin/haproxy ] || missing="$missing haproxy"
[ -x /usr/bin/prometheus ] || missing="$missing prometheus"
[ -x /usr/bin/prometheus-alertmanager ] || missing="$missing prometheus-alertmanager"
[ -x /usr/bin/prometheus-node-exporter ] || missing="$missing prometheus-node-exporter"
[ -x /usr/bin/prometheus-postgres-exporter ] || missing="$missing prometheus-postgres-exporter"
command -v socat >/dev/null 2>&1 || missing="$missing socat"
command -v curl >/dev/null 2>&1 || missing="$missing curl"
command -v jq >/dev/null 2>&1 || missing="$missing jq"
command -v ip >/dev/null 2>&1 || missing="$missing iproute2"
# The web console's browser tests: Debian's Chromium, and a Chinese font for the 简体中文 screenshots.
[ -x /usr/bin/chromium ] || missing="$missing chromium"
fc-list :lang=zh 2>/dev/null | grep -q . || missing="$missing fonts-wqy-microhei"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "the tests need Debian packages:$missing — install them (sudo apt-get install$missing) and run again" >&2
  exit 1
fi
echo "== installing$missing (Debian packages the end-to-end tests use)"
apt-get update -q >/dev/null
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null
