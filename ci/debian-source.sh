# Sourced by setup-docker.sh and build-guest-image.sh: the Debian archive this machine's apt is configured with.
# The harness names no mirror of its own: a machine may only reach its own (a proxy, an internal mirror), and a
# hard-coded public one would send its packages around that choice.

# Prints the first Debian archive URL in APT_DIR's sources (default /etc/apt), or says what to configure and fails.
debian_mirror() {
  local apt_dir=${1:-/etc/apt} url
  url=$(cat "$apt_dir"/sources.list "$apt_dir"/sources.list.d/*.sources "$apt_dir"/sources.list.d/*.list 2>/dev/null \
    | grep -E '^(URIs:|deb )' | grep -v security | grep -oE 'https?://[^ ]+' | head -n1 || true)
  if [ -z "$url" ]; then
    printf '%s\n' "no Debian archive is configured in $apt_dir/sources.list or $apt_dir/sources.list.d/." \
      "Add the mirror this machine may use (e.g. 'deb http://YOUR-MIRROR/debian bookworm main') and run again." >&2
    return 1
  fi
  printf '%s\n' "${url%/}"
}
