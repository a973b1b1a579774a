#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: host_report
short_description: Read what the fleet report shows about one Docker host
version_added: 0.1.0
description:
  - Reads one host for the C(dockfleet.docker.report) playbook and never changes anything - the engine packages and
    whether they are held and pinned at the declared O(engine_version); the keys of C(daemon.json) that differ from
    the declared O(daemon_settings); the daemon's TLS server certificate and the swarm node certificate (their
    validity); this node's swarm membership; the time source chronyd follows and the clock offset; the
    hardened-preset controls (RV(controls)).
  - On a swarm manager it also reads every node (role, availability, state, labels), the managers' quorum and every
    service's replicas, so that the report can compare each node with its host's inventory.
  - An engine that does not answer, a chronyd that does not answer, a missing file are results, not failures; the
    report shows them. The judgement (what is a problem) is made on the controller by the
    C(dockfleet.docker.fleet_report) filter.
extends_documentation_fragment:
  - dockfleet.docker.engine_reader
options:
  engine_version:
    description:
      - The engine version the inventory declares (C(engine_version) of the engine role, e.g. V(26.1)); RV(engine)
        says whether C(docker-ce) is installed at it. Not compared when not given.
    type: str
  preferences_file:
    description:
      - The apt preferences file that pins the engine packages (the one C(dockfleet.docker.engine_package) writes).
    type: path
    default: /etc/apt/preferences.d/dockfleet-docker-engine.pref
  daemon_settings:
    description:
      - The C(daemon.json) settings the inventory declares, as the daemon role builds them; a key set to C(null) is
        declared absent. C(drift) in RV(daemon) lists the keys whose value differs. Not compared when not given.
    type: dict
  daemon_config_mode:
    description:
      - How the daemon role writes O(daemon_settings) - V(merge) leaves keys it does not name alone, V(replace) makes
        the file hold O(daemon_settings) only (every other key is drift).
    type: str
    choices: [merge, replace]
    default: merge
  daemon_config_path:
    description:
      - The daemon configuration file.
    type: path
    default: /etc/docker/daemon.json
  time_max_offset:
    description:
      - Largest clock offset, in seconds, from NTP time that counts as in sync.
    type: float
    default: 0.1
  chrony_service:
    description:
      - The systemd unit of chronyd.
    type: str
    default: chrony.service
notes:
  - Needs root to read the TLS server key's mode and the swarm node certificate (C(become)).
  - The hardened-preset controls are these of the CIS Docker Benchmark v1.6.0 (the numbering of the daemon role's
    README) - 2.2 (icc off), 2.7 (TLS client verification on TCP sockets), 2.9 (userns-remap), 2.13 (a log driver that
    does not keep the logs in files on the host), 2.14 (no-new-privileges), 2.15 (live-restore, not applicable on swarm
    members), 2.16 (userland proxy off), 3.9/3.10, 3.11/3.12, 3.13/3.14 (owner and mode of the TLS CA, certificate and
    key that C(daemon.json) names) and 3.17/3.18 (owner and mode of C(daemon.json)).
seealso:
  - module: dockfleet.docker.engine_info
  - module: dockfleet.docker.timesync_check
"""

EXAMPLES = r"""
- name: Read this host for the fleet report
  dockfleet.docker.host_report:
    engine_version: "{{ engine_version }}"
    daemon_settings: {live-restore: false, log-driver: json-file}
  register: host
"""

RETURN = r"""
engine:
  description:
    - Whether the engine answers, the version it runs and its errors; the installed engine packages, the declared
      version and whether C(docker-ce) is at it (null when nothing is declared), held (dpkg) and pinned (apt
      preferences) at the installed version.
  returned: always
  type: dict
  sample: {answers: true, version: "26.1.5", error: null, package_version: "5:26.1.5-1~debian.12~bookworm",
           packages: {docker-ce: "5:26.1.5-1~debian.12~bookworm"}, declared: "26.1", at_declared: true, held: true,
           pinned: true, pinned_version: "5:26.1.5-1~debian.12~bookworm"}
daemon:
  description:
    - C(daemon.json) as read (C(config)), whether it exists, why it could not be read (C(error)), and
      C(drift) - each key whose value differs from O(daemon_settings), with the current and the declared value
      (null means absent) and whether applying it needs a restart; null when O(daemon_settings) is not given.
  returned: always
  type: dict
  sample: {path: /etc/docker/daemon.json, exists: true, error: null, config: {icc: false},
           drift: [{key: debug, current: true, declared: null, restart: false}]}
tls:
  description: The server certificate C(daemon.json) names (C(tlscert)), its validity (UTC, ISO 8601) or why it could
    not be read; all null when the daemon has no TLS.
  returned: always
  type: dict
  sample: {path: /etc/docker/tls/server-cert.pem, not_before: "2026-12-01T10:00:00Z",
           not_after: "2029-03-06T10:00:00Z", error: null}
swarm:
  description: This node's swarm membership (local node state, node ID, cluster ID, role, error) and its node
    certificate's validity.
  returned: always
  type: dict
  sample: {local_node_state: active, node_id: 4q8x1kzr0m2s, cluster_id: k3j2h1g0f9e8, role: manager, error: "",
           node_cert: {path: /var/lib/docker/swarm/certificates/swarm-node.crt, not_before: "2026-12-01T10:00:00Z",
           not_after: "2027-03-01T10:00:00Z", error: null}}
cluster:
  description: On a manager, every node (id, hostname, role, availability, state, labels, leader, manager
    reachability), the managers summary (total, reachable, quorum, has_quorum, fault_tolerance, leader) and every
    service with its desired and running replicas; else null.
  returned: always
  type: dict
time:
  description: The chrony service state, whether chronyd answers, the source it follows, stratum, offset (seconds,
    positive means slow), whether that is in sync within O(time_max_offset), problems and a summary line.
  returned: always
  type: dict
  sample: {service: active, answers: true, selected_source: 172.18.0.5, stratum: 9, offset: 0.000015, healthy: true,
           problems: [], summary: "source 172.18.0.5, stratum 9, offset +0.000015 s (slow), 1/1 sources answering"}
controls:
  description: The hardened-preset controls, each with its CIS number, title, V(pass), V(fail) or V(n/a), and what was
    found.
  returned: always
  type: list
  elements: dict
  sample: [{id: "2.2", title: "icc off: no traffic between containers on the default bridge", status: pass,
            detail: icc is false}]
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils import certificates
from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_schema as schema
from ansible_collections.dockfleet.docker.plugins.module_utils import host_checks as report
from ansible_collections.dockfleet.docker.plugins.module_utils.apt import Apt, AptError
from ansible_collections.dockfleet.docker.plugins.module_utils.daemon_host import file_stat, read_text
from ansible_collections.dockfleet.docker.plugins.module_utils.docker_root import engine_root, swarm_dir
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    ENGINE_REQUIRED_TOGETHER,
    HAS_DOCKER_SDK,
    EngineError,
    daemon_down,
    engine_argument_spec,
    open_client,
    timeout_option,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_facts import cluster_view, swarm_view
from ansible_collections.dockfleet.docker.plugins.module_utils.systemd import Systemd
from ansible_collections.dockfleet.docker.plugins.module_utils.upgrade_plan import services_convergence

NODE_CERT = "certificates/swarm-node.crt"


def certificate(path):
    """The validity of the certificate at ``path``, or why it cannot be read."""
    result = {"path": path, "not_before": None, "not_after": None, "error": None}
    if not path:
        return result
    text = read_text(path)
    if text is None:
        result["error"] = "%s does not exist" % path
        return result
    try:
        not_before, not_after = certificates.validity(text)
    except certificates.CertificateError as exc:
        result["error"] = "%s: %s" % (path, exc)
        return result
    result.update(not_before=certificates.iso(not_before), not_after=certificates.iso(not_after))
    return result


def read_engine(module):
    """``(engine, info, cluster)`` from the engine API; the engine part says why when it does not answer."""
    engine = {"answers": False, "version": None, "error": None}
    if not HAS_DOCKER_SDK:
        engine["error"] = "the Docker SDK for Python is not installed (python3-docker)"
        return engine, {}, None
    try:
        client = open_client(module.params, timeout_name=timeout_option(module.argument_spec))
        info = client.info()
        engine.update(answers=True, version=client.version().get("Version") or info.get("ServerVersion"))
    except EngineError as exc:
        engine["error"] = str(exc)
        return engine, {}, None
    except Exception as exc:  # the SDK raises several unrelated types (APIError, requests, OSError)
        engine["error"] = "%s%s" % (getattr(exc, "explanation", None) or exc, " (down)" if daemon_down(exc) else "")
        return engine, {}, None
    cluster = None
    if swarm_view(info)["role"] == "manager":
        try:
            view = cluster_view(client.nodes(), info)
            cluster = {
                "nodes": view["nodes"],
                "managers": view["managers"],
                "services": services_convergence(client.services(), client.tasks()),
                "error": None,
            }
        except Exception as exc:  # a manager without a leader answers, but cannot list the swarm
            cluster = {
                "nodes": [],
                "managers": {},
                "services": [],
                "error": getattr(exc, "explanation", None) or str(exc),
            }
    return engine, info, cluster


def read_time(module, systemd):
    params = module.params
    active = (systemd.show(params["chrony_service"], "ActiveState").get("ActiveState") or [None])[0]
    binary = module.get_bin_path("chronyc")
    if not binary:
        return report.time_state(active, None, None, "chronyc is not installed", params["time_max_offset"])
    outputs = []
    for command in ("tracking", "sources"):
        rc, out, err = module.run_command([binary, "-n", "-c", command])
        if rc != 0:
            error = "`chronyc %s`: %s" % (command, (err or out).strip() or "exit code %d" % rc)
            return report.time_state(active, None, None, error, params["time_max_offset"])
        outputs.append(out)
    return report.time_state(active, outputs[0], outputs[1], None, params["time_max_offset"])


def read_daemon(params):
    path = params["daemon_config_path"]
    text = read_text(path)
    daemon = {"path": path, "exists": text is not None, "error": None, "config": {}, "drift": None}
    try:
        daemon["config"] = schema.parse(text or "", path)
    except ValueError as exc:
        daemon["error"] = str(exc)
    if params["daemon_settings"] is not None and daemon["error"] is None:
        daemon["drift"] = report.daemon_drift(daemon["config"], params["daemon_settings"], params["daemon_config_mode"])
    return daemon


def main():
    module = AnsibleModule(
        argument_spec=engine_argument_spec(
            engine_version=dict(type="str"),
            preferences_file=dict(type="path", default="/etc/apt/preferences.d/dockfleet-docker-engine.pref"),
            daemon_settings=dict(type="dict"),
            daemon_config_mode=dict(type="str", choices=["merge", "replace"], default="merge"),
            daemon_config_path=dict(type="path", default="/etc/docker/daemon.json"),
            time_max_offset=dict(type="float", default=0.1),
            chrony_service=dict(type="str", default="chrony.service"),
        ),
        required_together=ENGINE_REQUIRED_TOGETHER,
        supports_check_mode=True,
    )
    params = module.params
    if params["time_max_offset"] <= 0:
        module.fail_json(
            msg="time_max_offset must be a positive number of seconds, got %s." % params["time_max_offset"]
        )

    engine, info, cluster = read_engine(module)
    try:
        installed, held = Apt(module).installed(report.ENGINE_PACKAGES)
    except AptError as exc:
        installed, held = {}, set()
        engine["error"] = engine["error"] or str(exc)
    engine.update(
        report.engine_packages(installed, held, read_text(params["preferences_file"]), params["engine_version"])
    )

    daemon = read_daemon(params)
    tls_files = dict((key, daemon["config"].get(key)) for key in schema.TLS_FILE_KEYS if daemon["config"].get(key))
    stats = {}
    for path in list(tls_files.values()) + ([params["daemon_config_path"]] if daemon["exists"] else []):
        found = file_stat(path)
        stats[path] = dict(mode=found.st_mode, uid=found.st_uid, gid=found.st_gid) if found else None

    swarm = swarm_view(info)
    member = swarm["local_node_state"] in ("active", "locked")
    root = engine_root(info)
    swarm["node_cert"] = certificate(os.path.join(swarm_dir(root), NODE_CERT) if member and root else None)

    module.exit_json(
        changed=False,
        engine=engine,
        daemon=daemon,
        tls=certificate(tls_files.get("tlscert")),
        swarm=swarm,
        cluster=cluster,
        time=read_time(module, Systemd(module, required=False)),
        controls=report.controls(
            daemon["config"], stats, member, params["daemon_config_path"] if daemon["exists"] else None
        ),
    )


if __name__ == "__main__":
    main()
