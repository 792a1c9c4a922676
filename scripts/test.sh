#!/usr/bin/env bash
# Install what the tests need on a fresh Debian machine, then lint, type-check and run the tests.
# The integration tests start a real Samba AD DC on loopback: they need root and the Debian
# packages below. A missing DC fails the run; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(samba samba-ad-dc samba-ad-provision winbind krb5-user ldb-tools ldap-utils iproute2
             libkrb5-dev faketime)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "scripts/test.sh: installing Debian packages: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test,kerberos]'

echo "== ruff" >&2
python3 -m ruff check adba tests scripts bench
echo "== mypy" >&2
python3 -m mypy adba
echo "== pytest" >&2
python3 -m pytest -q -p no:cacheprovider "$@"
