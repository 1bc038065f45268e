#!/bin/sh
# Installs what argon needs to build and test on a fresh Debian 12 machine.
# Idempotent: packages already present are not fetched again.
set -eu
BUILD_PKGS="gcc make pkg-config libc6-dev libjson-c-dev libarchive-dev libsqlite3-dev libseccomp-dev libmnl-dev libnftables-dev musl-tools"
RUN_PKGS="e2fsprogs"
TEST_PKGS="bats busybox-static zstd iproute2 nftables util-linux procps cppcheck python3 clang libclang-rt-14-dev uidmap"
# The engines that drive argon-runtime in podman.bats and containerd.bats
# (podman needs a network backend even for --network none: netavark; it
# looks for criu before it asks the runtime about checkpoints; the CRI
# client tests/integration/cri speaks gRPC: python3-grpcio).
ENGINE_PKGS="podman conmon netavark criu containerd python3-grpcio python3-protobuf"
missing=""
for p in $BUILD_PKGS $RUN_PKGS $TEST_PKGS $ENGINE_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The tests start their own containerd: keep the package from starting the
# machine's (policy-rc.d is the Debian way), unless the machine has a policy.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	trap 'exit 1' INT TERM HUP	# dash runs the EXIT trap only on exit
fi
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
