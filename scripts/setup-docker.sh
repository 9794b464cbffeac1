#!/usr/bin/env bash
# Install and start a Docker engine, then build the offline base image `codefix-base:bookworm`
# (Debian bookworm with python3, pytest and git) when it is absent. Needs root. Safe to rerun.
set -euo pipefail
IMAGE="${CODEFIX_BASE_IMAGE:-codefix-base:bookworm}"

if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
    apt-get update -q
    apt-get install -y -q docker.io debootstrap >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
    nohup dockerd >/var/log/codefix-dockerd.log 2>&1 &
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/codefix-dockerd.log" >&2; exit 1; }
fi

if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    root="$(mktemp -d)"
    echo "building $IMAGE with debootstrap (about a minute)"
    debootstrap --variant=minbase --include=python3,python3-pytest,git bookworm "$root/fs" >/dev/null
    tar -C "$root/fs" -c . | docker import - "$IMAGE" >/dev/null
    rm -rf "$root"
fi
echo "docker ready; base image $IMAGE"
