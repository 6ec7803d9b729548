# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who owns a cgroup path: the systemd unit, the container and the Kubernetes pod.

Private to oom.guard (the leading underscore): no compatibility promise to other collections.
Used by the kernel log parser (task_memcg / oom_memcg paths), the process reader
(/proc/<pid>/cgroup) and the cgroup reader, so that all three name owners the same way.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Container runtimes name a container's cgroup after its 64-hex id, with a runtime prefix:
#   docker:     /docker/<id>                      /system.slice/docker-<id>.scope
#   podman:     /libpod_parent/libpod-<id>        /machine.slice/libpod-<id>.scope
#   containerd: /kubepods/.../<id>                cri-containerd-<id>.scope
#   cri-o:      crio-<id>.scope                   crio-conmon-<id>.scope (the monitor, not the container)
_CONTAINER_RE = re.compile(r"^(?:(?:docker|libpod|cri-containerd|crio|containerd)-)?([0-9a-f]{64})(?:\.scope)?$")
_CONMON_RE = re.compile(r"^(?:libpod-conmon|crio-conmon)-[0-9a-f]{64}(?:\.scope)?$")
# Kubernetes pod cgroups: cgroupfs driver "pod<uid>", systemd driver
# "kubepods-<qos>-pod<uid with underscores>.slice".
_POD_RE = re.compile(r"pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?$")
_UNIT_SUFFIXES = (".service", ".scope", ".socket", ".mount", ".swap")


def attribute_cgroup_path(path):
    """Return {'unit', 'container_id', 'pod_uid'} for a cgroup path (values None when unknown).

    The unit is the innermost systemd unit (service or scope) on the path, so a service running
    inside a container with its own systemd is named by that service. A container scope such as
    ``docker-<id>.scope`` is also a unit when nothing inside it is.
    """
    result = {"unit": None, "container_id": None, "pod_uid": None}
    if not path or not isinstance(path, str):
        return result
    for part in path.strip().split("/"):
        if not part:
            continue
        match = _POD_RE.search(part)
        if match and ("kubepods" in path):
            result["pod_uid"] = match.group(1).replace("_", "-")
            continue
        if _CONMON_RE.match(part):
            result["unit"] = part if part.endswith(".scope") else result["unit"]
            continue
        match = _CONTAINER_RE.match(part)
        if match:
            result["container_id"] = match.group(1)
            if part.endswith(".scope"):
                result["unit"] = part
            continue
        if part.endswith(_UNIT_SUFFIXES):
            result["unit"] = part
    return result


# Container runtimes bind-mount the container's hostname/hosts/resolv.conf from a directory named
# after its id (podman: .../overlay-containers/<id>/userdata/hostname; docker:
# .../containers/<id>/hostname), so a container can find its own id in its mountinfo.
_OWN_CONTAINER_RE = re.compile(r"/(?:overlay-containers|containers)/([0-9a-f]{64})/(?:userdata/)?(?:hostname|hosts|resolv\.conf) ")


def own_container_id(mountinfo_path="/proc/self/mountinfo"):
    """The id of the container this process runs in, or None (not in a container, or unknown)."""
    try:
        with open(mountinfo_path) as handle:
            for line in handle:
                match = _OWN_CONTAINER_RE.search(line)
                if match:
                    return match.group(1)
    except OSError:
        return None
    return None
