#!/usr/bin/env sh
# What the end-to-end tests run that npm cannot install: Debian's sshd and ansible-playbook.
# Installs what is missing when run as root (as on CI); otherwise says what to install.
set -eu
missing=""
[ -x /usr/sbin/sshd ] || missing="$missing openssh-server"
command -v ansible-playbook >/dev/null 2>&1 || missing="$missing ansible"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "the tests need Debian packages:$missing — install them (sudo apt-get install$missing) and run again" >&2
  exit 1
fi
echo "== installing$missing (Debian packages the end-to-end tests use)"
apt-get update -q >/dev/null
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null
