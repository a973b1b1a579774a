# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How modules that talk to the Docker engine API reach it."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  docker_host:
    description:
      - Where the module reaches the Docker engine API on the managed host.
      - Modules run on the managed host, so the default local socket is right for almost every fleet.
      - Use C(tcp://HOST:2376) together with O(tls_ca_cert), O(tls_client_cert) and O(tls_client_key) to reach
        an engine over its TLS socket.
    type: str
    default: unix:///var/run/docker.sock
  api_timeout:
    description:
      - Seconds to wait for one engine API call before failing.
    type: int
    default: 60
  tls_ca_cert:
    description:
      - CA certificate to verify the engine's TLS certificate with, when O(docker_host) is a TCP address.
    type: path
  tls_client_cert:
    description:
      - Client certificate presented to the engine's TLS socket.
    type: path
  tls_client_key:
    description:
      - Key of O(tls_client_cert).
    type: path
requirements:
  - Docker SDK for Python (C(python3-docker) on Debian and Ubuntu; the P(dockfleet.docker.engine#role) role installs it).
"""
