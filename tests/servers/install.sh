#!/usr/bin/env bash
# Installs the real FTP servers that ftpbridge's integration tests run against, side by
# side, on Debian 12 (run as root, non-interactive, idempotent):
#
#   vsftpd 3.0.3, proftpd 1.3.8 (with mod_tls), pure-ftpd 1.0.50, pyftpdlib 2.2.0
#
# Debian's vsftpd, proftpd-core and pure-ftpd packages conflict with each other (each
# provides and conflicts with `ftp-server`), so none of them is installed as a package:
# their .deb files are downloaded with `apt-get download` and unpacked with
# `dpkg-deb -x` into a private prefix, and only the libraries they link against are
# installed with apt. pyftpdlib goes into a Python venv in the same prefix.
#
# The prefix is /opt/ftpbridge-servers unless FTPBRIDGE_SERVERS_PREFIX says otherwise;
# the Rust testkit (crates/ftpbridge-testkit) looks in the same places. Layout:
#
#   PREFIX/vsftpd/usr/sbin/vsftpd
#   PREFIX/proftpd/usr/sbin/proftpd       modules in PREFIX/proftpd/usr/lib/proftpd
#   PREFIX/pure-ftpd/usr/sbin/pure-ftpd   and PREFIX/pure-ftpd/usr/bin/pure-pw
#   PREFIX/pyftpdlib/bin/python           a venv with pyftpdlib
#   PREFIX/versions                       one `name=debian-version` line per server
#
# Outside the prefix it creates the `ftp` user (if absent), the test user `ftpbridge`
# (password `ftpbridge-test`), the PAM service /etc/pam.d/ftpbridge-vsftpd that the
# testkit's vsftpd config names, and vsftpd's default secure_chroot_dir.
#
# When everything is already in place it only prints the versions (CI stays fast).
set -euo pipefail

PREFIX="${FTPBRIDGE_SERVERS_PREFIX:-/opt/ftpbridge-servers}"
# Bump when the recipe below changes, so that existing installs are redone.
RECIPE=2

VSFTPD_VERSION=3.0.3
PROFTPD_VERSION=1.3.8
PUREFTPD_VERSION=1.0.50
PYFTPDLIB_VERSION=2.2.0
# pyftpdlib's TLS handler needs pyOpenSSL.
PYOPENSSL_VERSION=25.1.0

TEST_USER=ftpbridge
TEST_PASSWORD=ftpbridge-test
PAM_FILE=/etc/pam.d/ftpbridge-vsftpd

log() { printf 'install.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it installs packages and creates users)"

# Prints one line per server with its version; fails if a server does not run.
print_versions() {
  local v
  # vsftpd -v writes its banner to standard input's descriptor.
  v=$("$PREFIX/vsftpd/usr/sbin/vsftpd" -v 0>&1 2>&1 | sed -n 's/.*version \([0-9.]*\).*/\1/p')
  [ -n "$v" ] || return 1
  printf 'vsftpd %s (%s/vsftpd/usr/sbin/vsftpd)\n' "$v" "$PREFIX"
  v=$("$PREFIX/proftpd/usr/sbin/proftpd" -v 2>&1 | sed -n 's/.*Version \([0-9.a-z]*\).*/\1/p')
  [ -n "$v" ] || return 1
  printf 'proftpd %s (%s/proftpd/usr/sbin/proftpd)\n' "$v" "$PREFIX"
  v=$("$PREFIX/pure-ftpd/usr/sbin/pure-ftpd" --help 2>&1 | sed -n 's/^pure-ftpd v\([0-9.]*\).*/\1/p')
  [ -n "$v" ] || return 1
  printf 'pure-ftpd %s (%s/pure-ftpd/usr/sbin/pure-ftpd)\n' "$v" "$PREFIX"
  v=$("$PREFIX/pyftpdlib/bin/python" -c 'import pyftpdlib; print(pyftpdlib.__ver__)' 2>/dev/null)
  [ -n "$v" ] || return 1
  printf 'pyftpdlib %s (%s/pyftpdlib/bin/python)\n' "$v" "$PREFIX"
}

installed() {
  [ "$(cat "$PREFIX/.recipe" 2>/dev/null)" = "$RECIPE" ] &&
    [ -f "$PAM_FILE" ] &&
    id -u ftp >/dev/null 2>&1 &&
    id -u "$TEST_USER" >/dev/null 2>&1 &&
    [ -d /var/run/vsftpd/empty ] &&
    print_versions >/dev/null 2>&1
}

if installed; then
  print_versions
  exit 0
fi

start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
log "installing into $PREFIX"
apt-get update -qq

# --- the server packages, unpacked -------------------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # apt-get download runs as _apt where it can
cd "$work"
apt-get download -qq vsftpd proftpd-core proftpd-mod-crypto pure-ftpd 2>download.err ||
  { cat download.err >&2; die "apt-get download failed"; }

check_version() { # deb-file upstream-version
  local v
  v=$(dpkg-deb -f "$1" Version)
  case "$v" in
    "$2"-* | "$2"+*) ;;
    *) die "$1 has version $v, expected $2" ;;
  esac
}
check_version vsftpd_*.deb "$VSFTPD_VERSION"
check_version proftpd-core_*.deb "$PROFTPD_VERSION"
check_version proftpd-mod-crypto_*.deb "$PROFTPD_VERSION"
check_version pure-ftpd_*.deb "$PUREFTPD_VERSION"

# The shared libraries the unpacked binaries need: the `lib*` packages among their
# Depends (first alternative of each, version constraints dropped).
libs=$(for deb in ./*.deb; do dpkg-deb -f "$deb" Depends; done |
  tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' | grep '^lib' | sort -u)
# shellcheck disable=SC2086 # one word per package
apt-get install -y -qq --no-install-recommends $libs python3 python3-venv procps >/dev/null

unpack() { # directory deb-files...
  local dir="$PREFIX/$1"
  shift
  rm -rf "$dir"
  mkdir -p "$dir"
  for deb in "$@"; do dpkg-deb -x "$deb" "$dir"; done
}
unpack vsftpd vsftpd_*.deb
unpack proftpd proftpd-core_*.deb proftpd-mod-crypto_*.deb
unpack pure-ftpd pure-ftpd_*.deb
mkdir -p "$PREFIX/vsftpd/empty"
chmod 755 "$PREFIX" "$PREFIX/vsftpd/empty"

# --- pyftpdlib in a venv -------------------------------------------------------------
# Debian's own python3 (a pyenv or other python3 earlier on PATH may lack venv/ensurepip).
PYTHON=/usr/bin/python3
if ! "$PREFIX/pyftpdlib/bin/python" -c "import pyftpdlib, OpenSSL, sys; sys.exit(pyftpdlib.__ver__ != '$PYFTPDLIB_VERSION')" 2>/dev/null; then
  rm -rf "$PREFIX/pyftpdlib"
  "$PYTHON" -m venv "$PREFIX/pyftpdlib"
  "$PREFIX/pyftpdlib/bin/pip" install -q --disable-pip-version-check \
    "pyftpdlib==$PYFTPDLIB_VERSION" "pyopenssl==$PYOPENSSL_VERSION"
fi

# --- users, PAM, directories ----------------------------------------------------------
if ! id -u ftp >/dev/null 2>&1; then
  useradd --system --home-dir /srv/ftp --no-create-home --shell /usr/sbin/nologin ftp
fi
if ! id -u "$TEST_USER" >/dev/null 2>&1; then
  useradd --create-home --shell /usr/sbin/nologin --comment "ftpbridge tests" "$TEST_USER"
fi
echo "$TEST_USER:$TEST_PASSWORD" | chpasswd

# vsftpd logs local users in through PAM. Debian's /etc/pam.d/vsftpd also requires a
# shell listed in /etc/shells, which the test user (nologin) has not: use our own service.
cat >"$PAM_FILE" <<'EOF'
# PAM service for the vsftpd that ftpbridge's tests run (written by tests/servers/install.sh).
auth     required pam_unix.so
account  required pam_unix.so
session  required pam_permit.so
EOF
mkdir -p /var/run/vsftpd/empty

{
  for deb in vsftpd proftpd-core pure-ftpd; do
    printf '%s=%s\n' "$deb" "$(dpkg-deb -f "$deb"_*.deb Version)"
  done
  printf 'pyftpdlib=%s\n' "$PYFTPDLIB_VERSION"
} >"$PREFIX/versions"
echo "$RECIPE" >"$PREFIX/.recipe"

print_versions || die "a server does not run after installation"
log "done in $(($(date +%s) - start)) s"
