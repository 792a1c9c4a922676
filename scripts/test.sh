#!/usr/bin/env bash
# Install what the tests need on a fresh Debian machine, then lint, type-check and run the tests.
# The integration tests start a real Samba AD DC on loopback: they need root and the Debian
# packages below. A missing DC fails the run; nothing is skipped.
#
# Everything Python goes into a virtual environment (stock Debian refuses a system-wide pip,
# PEP 668): .venv in the repository, created with the first python3 found (or $PYTHON) and
# reused when present; ADBA_VENV names another one. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the HTML report is checked in Debian's headless Chromium (driven by playwright,
# from the test extra; never a browser download).
DEB_PACKAGES=(samba samba-ad-dc samba-ad-provision winbind krb5-user ldb-tools ldap-utils iproute2
             libkrb5-dev faketime chromium)
PYTHON="${PYTHON:-python3}"
VENV="${ADBA_VENV:-.venv}"

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Debian's own python3 needs python3-venv to make a venv (other Pythons bring it).
if [ ! -x "$VENV/bin/python" ] && ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
  missing+=(python3-venv)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "scripts/test.sh: installing Debian packages: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
  echo "scripts/test.sh: creating $VENV with $("$PYTHON" -c 'import sys; print(sys.executable, sys.version.split()[0])')" >&2
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install -q --disable-pip-version-check -e '.[test,kerberos]'

echo "== ruff" >&2
"$PY" -m ruff check adba tests scripts bench
echo "== mypy" >&2
"$PY" -m mypy adba
echo "== pytest ($("$PY" -c 'import sys; print(sys.version.split()[0])'))" >&2
"$PY" -m pytest -q -p no:cacheprovider "$@"
