# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One way for every dockfleet module to reach the Docker engine, and to turn the
engine's errors into messages that say what failed and what to do about it.

Modules use the low-level ``docker.APIClient``: it returns the engine's own JSON,
which is what the comparison logic in the other module_utils works on.
"""

from __future__ import annotations

import contextlib
import traceback

try:
    import docker
    from docker import errors as docker_errors

    HAS_DOCKER_SDK = True
    DOCKER_SDK_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - depends on the managed host
    HAS_DOCKER_SDK = False
    DOCKER_SDK_IMPORT_ERROR = traceback.format_exc()

# The options documented by the dockfleet.docker.engine doc fragment.
ENGINE_CONNECTION_ARGS = dict(
    docker_host=dict(type="str", default="unix:///var/run/docker.sock"),
    api_timeout=dict(type="int", default=60),
    tls_ca_cert=dict(type="path"),
    tls_client_cert=dict(type="path"),
    tls_client_key=dict(type="path"),
)


class EngineError(Exception):
    """An engine call failed; the message is meant for the user as it is."""


def engine_argument_spec(**module_args):
    """The module's own options plus the shared connection options."""
    spec = dict(ENGINE_CONNECTION_ARGS)
    spec.update(module_args)
    return spec


def connect(module):
    """Return a ``docker.APIClient`` for the engine the module's options name.

    Fails the module with an actionable message when the SDK is missing or the
    engine does not answer, so callers never see a half-made client.
    """
    if not HAS_DOCKER_SDK:
        module.fail_json(
            msg="The Docker SDK for Python is not installed on this host. Install python3-docker "
            "(the dockfleet.docker.engine role does) or the 'docker' package for the Python Ansible uses.",
            exception=DOCKER_SDK_IMPORT_ERROR,
        )
    params = module.params
    tls = None
    if params.get("tls_client_cert") or params.get("tls_ca_cert"):
        tls = docker.tls.TLSConfig(
            client_cert=(params["tls_client_cert"], params["tls_client_key"])
            if params.get("tls_client_cert")
            else None,
            ca_cert=params.get("tls_ca_cert"),
            verify=bool(params.get("tls_ca_cert")),
        )
    try:
        client = docker.APIClient(
            base_url=params["docker_host"], version="auto", timeout=params["api_timeout"], tls=tls
        )
        client.ping()
    except Exception as exc:  # the SDK raises several unrelated types here
        module.fail_json(
            msg="Cannot reach the Docker engine at %s: %s. Is docker running (systemctl status docker) and is "
            "docker_host right?" % (params["docker_host"], exc)
        )
    return client


@contextlib.contextmanager
def engine_errors(module, action):
    """Turn any engine error raised while doing ``action`` into ``fail_json``.

    ``action`` completes the sentence "Docker engine refused to ...", e.g.
    "create network 'frontend'".
    """
    try:
        yield
    except EngineError as exc:
        module.fail_json(msg=str(exc))
    except Exception as exc:
        explanation = getattr(exc, "explanation", None) or str(exc)
        module.fail_json(msg="Docker engine refused to %s: %s" % (action, explanation))


def is_not_found(exc):
    """True when ``exc`` is the engine saying an object does not exist."""
    return HAS_DOCKER_SDK and isinstance(exc, docker_errors.NotFound)
