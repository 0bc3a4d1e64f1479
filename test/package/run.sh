#!/usr/bin/env bash
# The installed binary and the Debian package, as a user and an operator get them:
#   test/package/run.sh BUILD_DIR
# 1. `cmake --install BUILD_DIR --prefix TMP` (what scripts/install does) puts exactly bin/mnemo
#    there, and it runs.
# 2. scripts/package --build-dir BUILD_DIR makes mnemo_<version>_<arch>.deb with its library
#    dependencies declared, the binary, the systemd unit and /etc/mnemo/mnemo.env as a conffile.
# 3. As root (CI): dpkg installs it (mnemo runs from /usr/bin), removes it (the binary and unit
#    go, the edited conffile stays) and purges it (nothing left).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd -P)
build=$(cd "${1:?usage: test/package/run.sh BUILD_DIR}" && pwd -P)
cd "${root}"
tmp=$(mktemp -d -t mnemo-package.XXXXXX)
trap 'rm -rf -- "${tmp}"' EXIT

fail() {
    echo "package test: $*" >&2
    exit 1
}

# 1. The install into a prefix.
cmake --install "${build}" --prefix "${tmp}/prefix" >/dev/null
installed=$(cd "${tmp}/prefix" && find . -type f | sort)
[[ "${installed}" == "./bin/mnemo" ]] || fail "the prefix holds more than bin/mnemo: ${installed}"
version=$("${tmp}/prefix/bin/mnemo" --version)
[[ "${version}" == "mnemo "* ]] || fail "the installed mnemo printed '${version}'"
echo "ok: cmake --install puts bin/mnemo ('${version}')"

# 2. The package's contents and metadata.
deb=$(scripts/package --build-dir "${build}")
[[ -f "${deb}" && "$(basename "${deb}")" =~ ^mnemo_[0-9.]+_[a-z0-9]+\.deb$ ]] || fail "no package: ${deb}"
depends=$(dpkg-deb -f "${deb}" Depends)
[[ "${depends}" == *libpq5* && "${depends}" == *libssl3* ]] || fail "Depends misses libpq5/libssl3: ${depends}"
contents=$(dpkg-deb -c "${deb}")
for path in ./usr/bin/mnemo ./usr/lib/systemd/system/mnemo.service ./etc/mnemo/mnemo.env; do
    grep -q " ${path}\$" <<<"${contents}" || fail "${path} missing from the package"
done
dpkg-deb -e "${deb}" "${tmp}/control"
grep -qx /etc/mnemo/mnemo.env "${tmp}/control/conffiles" || fail "mnemo.env is not a conffile"
echo "ok: $(basename "${deb}"): Depends ${depends}"

# 3. Installed and removed with dpkg (root only; refuses to touch an existing installation).
if ((EUID != 0)); then
    echo "skip: dpkg -i needs root"
    exit 0
fi
if dpkg-query -W -f='${db:Status-Status}' mnemo 2>/dev/null | grep -q installed; then
    echo "skip: a mnemo package is already installed here; not replacing it"
    exit 0
fi
dpkg -i "${deb}" >/dev/null
trap 'dpkg -P mnemo >/dev/null 2>&1 || true; rm -rf -- "${tmp}"' EXIT
[[ "$(/usr/bin/mnemo --version)" == "${version}" ]] || fail "/usr/bin/mnemo is not the packaged one"
[[ -f /usr/lib/systemd/system/mnemo.service ]] || fail "the unit was not installed"
grep -q '^ExecStart=/usr/bin/mnemo serve --http' /usr/lib/systemd/system/mnemo.service ||
    fail "the unit does not start the installed binary"
[[ "$(stat -c %a /etc/mnemo/mnemo.env)" == 600 ]] || fail "mnemo.env is readable by others"
echo "MNEMO_LISTEN=127.0.0.1:9999" >>/etc/mnemo/mnemo.env
dpkg -r mnemo >/dev/null
[[ ! -e /usr/bin/mnemo && ! -e /usr/lib/systemd/system/mnemo.service ]] || fail "dpkg -r left files"
grep -q 9999 /etc/mnemo/mnemo.env || fail "dpkg -r dropped the edited conffile"
dpkg -P mnemo >/dev/null
[[ ! -e /etc/mnemo/mnemo.env ]] || fail "dpkg -P left /etc/mnemo/mnemo.env"
echo "ok: dpkg -i, -r (conffile kept), -P (nothing left)"
