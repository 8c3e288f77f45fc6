# Sourced by the tools that need root (network namespaces, BPF, hugepages):
# `cmon_as_root "$0" "$@"` returns when it runs as root, runs the tool
# again through sudo when a user with sudo started it, and otherwise says
# how to run it.  So "tools/check" works as written for root and for
# sudo users alike.
cmon_as_root() {
	[ "$(id -u)" = 0 ] && return 0
	if command -v sudo >/dev/null 2>&1; then
		echo "$(basename "$1"): needs root: running it through sudo" >&2
		exec sudo -- "$@"
	fi
	echo "$(basename "$1"): needs root (network namespaces, BPF): run it as root (su -c '$*')" >&2
	exit 1
}
