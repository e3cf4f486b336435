#!/bin/sh
# Builds a base image for docker/Dockerfile on a machine that cannot reach a container registry:
# Debian bookworm (debootstrap --variant=minbase) plus OpenJDK 17 (the full JDK: the off-heap
# keyspace compiles classes at start-up), imported into podman's local storage.
#
#   docker/build-local-base.sh [image]      default image: localhost/podis-base:bookworm-jdk17
#
# Then build Podis on it, e.g. with the jar built on the host (mvn -DskipTests package):
#   export CONTAINERS_CONF=$PWD/docker/podman-containers.conf
#   podman build -f docker/Dockerfile --build-arg JAR_FROM=prebuilt \
#       --build-arg BASE_IMAGE=localhost/podis-base:bookworm-jdk17 \
#       --build-arg BUILD_IMAGE=localhost/podis-base:bookworm-jdk17 -t podis:local .
#
# Needs root, debootstrap and podman (apt-get install podman buildah debootstrap runc); it only
# talks to the Debian mirror (DEBIAN_MIRROR, default http://deb.debian.org/debian). An existing
# image is kept unless REBUILD=1. Takes about a minute or two. Podman reads
# docker/podman-containers.conf (runc, ulimits within the host's) unless CONTAINERS_CONF is set.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/podman-containers.conf}"

image=${1:-localhost/podis-base:bookworm-jdk17}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ "${REBUILD:-0}" != 1 ] && podman image exists "$image"; then
    echo "$image exists (REBUILD=1 to build it again)"
    exit 0
fi
for tool in debootstrap podman; do
    command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
root="$work/rootfs"

debootstrap --variant=minbase --include=openjdk-17-jdk-headless bookworm "$root" "$mirror"
# Smaller image: no package lists, caches or docs.
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/tmp/*

tar -C "$root" --numeric-owner -cf - . \
    | podman import --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' - "$image"
podman run --rm "$image" java -version
echo "built $image"
