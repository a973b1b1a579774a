# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How modules that talk to the Docker engine API reach it.

The option names, aliases and environment variables are community.docker's, so a task (or
module_defaults) written for its modules reaches the same engine with these."""

from __future__ import annotations


class ModuleDocFragment:
    # The connection options; every module that talks to the engine also takes TIMEOUT or API_TIMEOUT.
    DOCUMENTATION = r"""
options:
  docker_host:
    description:
      - Where the module reaches the Docker engine API on the managed host, as C(unix:///path/to/socket) or
        C(tcp://HOST:PORT).
      - Modules run on the managed host, so the default local socket is right for almost every fleet.
      - For an engine's TLS socket use C(tcp://HOST:2376) with O(validate_certs), O(ca_path), O(client_cert) and
        O(client_key); C(tcp) becomes C(https) when TLS is on.
      - When the task does not set it, the environment variable E(DOCKER_HOST) on the managed host is used, and
        without that the default.
    type: str
    default: unix:///var/run/docker.sock
    aliases: [docker_url]
  api_version:
    description:
      - Engine API version to speak. V(auto) asks the engine for its version and uses that.
      - When the task does not set it, E(DOCKER_API_VERSION) is used, and without that the default.
    type: str
    default: auto
    aliases: [docker_api_version]
  tls:
    description:
      - Encrypt the connection with TLS without checking the engine's certificate. O(validate_certs=true) takes
        precedence and checks it.
      - When the task does not set it, E(DOCKER_TLS) is used, and without that the default.
    type: bool
    default: false
  validate_certs:
    description:
      - Encrypt the connection with TLS and check the engine's certificate against O(ca_path) (or the system's CAs
        when no CA is given).
      - When the task does not set it, E(DOCKER_TLS_VERIFY) is used. Without either, it is V(true) when O(ca_path) is
        given and V(false) otherwise. This differs from community.docker, where a CA given without
        O(validate_certs) is not used; here giving a CA means the certificate is checked against it.
    type: bool
    aliases: [tls_verify]
  ca_path:
    description:
      - CA certificate (PEM file on the managed host) to check the engine's certificate with.
      - When not given and TLS is on, C(ca.pem) in the directory E(DOCKER_CERT_PATH) names is used if it exists.
    type: path
    aliases: [ca_cert, tls_ca_cert, cacert_path]
  client_cert:
    description:
      - Client certificate (PEM file on the managed host) presented to the engine's TLS socket. Requires
        O(client_key). Giving it turns TLS on.
      - When not given and TLS is on, C(cert.pem) in the directory E(DOCKER_CERT_PATH) names is used if it exists.
    type: path
    aliases: [tls_client_cert, cert_path]
  client_key:
    description:
      - Key of O(client_cert) (PEM file on the managed host). Requires O(client_cert).
      - When not given and TLS is on, C(key.pem) in the directory E(DOCKER_CERT_PATH) names is used if it exists.
    type: path
    aliases: [tls_client_key, key_path]
notes:
  - The connection options have community.docker's names, aliases and environment variables, so
    C(module_defaults) for the action group C(group/dockfleet.docker.docker) can set them once for every module
    that talks to the engine. Environment variables are read on the managed host, where the module runs (set them
    with the C(environment) keyword).
  - O(client_cert) and O(client_key) must be given together. A file that does not exist fails the task before the
    engine is contacted.
  - C(tls_hostname) and C(use_ssh_client) of community.docker are not offered; the Docker SDK for Python 7 and later
    checks the engine's certificate against the host name in O(docker_host).
requirements:
  - Docker SDK for Python (C(python3-docker) on Debian and Ubuntu; the P(dockfleet.docker.engine#role) role installs it).
"""

    # Every module that connects to the engine (fragment dockfleet.docker.engine.timeout).
    TIMEOUT = r"""
options:
  timeout:
    description:
      - Seconds to wait for one engine API call before failing.
      - When the task does not set it, E(DOCKER_TIMEOUT) is used, and without that the default.
    type: int
    default: 60
    aliases: [api_timeout]
"""

    # A module whose own option O(timeout) is how long it waits (swarm_health): the API timeout is api_timeout
    # (fragment dockfleet.docker.engine.api_timeout).
    API_TIMEOUT = r"""
options:
  api_timeout:
    description:
      - Seconds to wait for one engine API call before failing. Called O(timeout) in the other modules; here
        O(timeout) is how long the module waits.
      - When the task does not set it, E(DOCKER_TIMEOUT) is used, and without that the default.
    type: int
    default: 60
"""
