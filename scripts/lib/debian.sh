# The Debian archive this machine's apt sources name.
#
# Sourced by scripts/debian-chroot (debootstrap's mirror) and
# scripts/openssl-1.0.2 (Debian's CPython source packages), so both reach
# Debian through the mirror the machine is already configured for.

debian_mirror() {
    # The Debian archive the host's apt sources name (deb822 .sources files or
    # one-line .list entries); deb.debian.org when none does.
    local url
    url=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
            /etc/apt/sources.list.d/*.sources 2>/dev/null |
        grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | head -n1 | tr -d ' ') || true
    echo "${url:-http://deb.debian.org/debian}"
}
