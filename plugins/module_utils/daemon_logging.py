# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which ``log-opts`` each logging driver takes.

Pure. dockerd refuses to start on an option its log driver does not know ("unknown log opt 'max-file' for
journald log driver"), so ``log_option_errors`` finds it before daemon.json is written. The option lists
are those of Docker's logging driver documentation (docs.docker.com/engine/logging/drivers/): each driver's
own options, the ``tag``/``labels``/``env`` attributes the drivers that support them take, and the options
dockerd accepts for every driver (delivery ``mode`` and ``max-buffer-size``; the ``cache-*`` options of dual
logging for drivers other than json-file and local). A driver this table does not know (a logging plugin)
is not checked.
"""

from __future__ import annotations

# Every driver: delivery mode (blocking/non-blocking) and its buffer.
COMMON = ("mode", "max-buffer-size")
# Dual logging: the local cache that keeps `docker logs` working with a remote driver.
DUAL_LOGGING = ("cache-disabled", "cache-max-size", "cache-max-file", "cache-compress")
ATTRIBUTES = ("labels", "labels-regex", "env", "env-regex")
TAG = ("tag",)

DRIVER_OPTIONS = {
    "none": (),
    "local": ("max-size", "max-file", "compress"),
    "json-file": ("max-size", "max-file", "compress", *ATTRIBUTES, *TAG),
    "journald": TAG + ATTRIBUTES,
    "syslog": (
        "syslog-address",
        "syslog-facility",
        "syslog-tls-ca-cert",
        "syslog-tls-cert",
        "syslog-tls-key",
        "syslog-tls-skip-verify",
        "syslog-format",
        *TAG,
        *ATTRIBUTES,
    ),
    "fluentd": (
        "fluentd-address",
        "fluentd-async",
        "fluentd-async-connect",
        "fluentd-buffer-limit",
        "fluentd-max-retries",
        "fluentd-retry-wait",
        "fluentd-sub-second-precision",
        "fluentd-request-ack",
        "fluentd-write-timeout",
        *TAG,
        *ATTRIBUTES,
    ),
    "gelf": (
        "gelf-address",
        "gelf-compression-type",
        "gelf-compression-level",
        "gelf-tcp-max-reconnect",
        "gelf-tcp-reconnect-delay",
        *TAG,
        *ATTRIBUTES,
    ),
    "awslogs": (
        "awslogs-region",
        "awslogs-endpoint",
        "awslogs-group",
        "awslogs-stream",
        "awslogs-create-group",
        "awslogs-create-stream",
        "awslogs-datetime-format",
        "awslogs-multiline-pattern",
        "awslogs-credentials-endpoint",
        "awslogs-force-flush-interval-seconds",
        "awslogs-max-buffered-events",
        "awslogs-format",
        *TAG,
    ),
    "splunk": (
        "splunk-token",
        "splunk-url",
        "splunk-source",
        "splunk-sourcetype",
        "splunk-index",
        "splunk-capath",
        "splunk-caname",
        "splunk-insecureskipverify",
        "splunk-format",
        "splunk-verify-connection",
        "splunk-gzip",
        "splunk-gzip-level",
        "splunk-index-acknowledgment",
        *TAG,
        *ATTRIBUTES,
    ),
    "gcplogs": ("gcp-project", "gcp-log-cmd", "gcp-meta-zone", "gcp-meta-name", "gcp-meta-id", *ATTRIBUTES),
    "logentries": ("logentries-token", "line-only", *TAG),
}


def accepted_options(driver):
    """The options ``driver`` takes, or None for a driver this table does not know (a plugin)."""
    if driver not in DRIVER_OPTIONS:
        return None
    options = set(DRIVER_OPTIONS[driver]) | set(COMMON)
    if driver not in ("json-file", "local", "none"):
        options |= set(DUAL_LOGGING)
    return options


def log_option_errors(config, driver_hint="daemon_log_driver", options_hint="daemon_log_opts"):
    """Messages for ``log-opts`` the chosen ``log-driver`` (json-file when not set) does not take."""
    options = config.get("log-opts")
    if not isinstance(options, dict) or not options:
        return []
    driver = config.get("log-driver") or "json-file"
    accepted = accepted_options(driver)
    if accepted is None:
        return []
    unknown = sorted(set(options) - accepted)
    if not unknown:
        return []
    takes = "takes %s" % ", ".join(sorted(accepted))
    return [
        "daemon.json key 'log-opts': %s not an option of the %s log driver (dockerd would not start); the %s "
        "driver %s. Remove %s from log-opts (daemon role: %s, chosen with %s)."
        % (
            ", ".join("'%s' is" % o for o in unknown) if len(unknown) == 1 else "%s are" % ", ".join(unknown),
            driver,
            driver,
            takes,
            "it" if len(unknown) == 1 else "them",
            options_hint,
            driver_hint,
        )
    ]
