# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.daemon_logging import (
    accepted_options,
    log_option_errors,
)


@pytest.mark.parametrize(
    "config",
    [
        {"log-opts": {"max-size": "10m", "max-file": "3", "compress": "true"}},  # json-file when no driver is set
        {"log-driver": "local", "log-opts": {"max-size": "10m", "max-file": "3"}},
        {"log-driver": "journald", "log-opts": {"tag": "{{.Name}}", "labels": "app", "mode": "non-blocking"}},
        {"log-driver": "syslog", "log-opts": {"syslog-address": "udp://10.0.0.5:514", "cache-disabled": "true"}},
        {"log-driver": "fluentd", "log-opts": {"fluentd-address": "10.0.0.5:24224"}},
        {"log-driver": "gelf", "log-opts": {"gelf-address": "udp://10.0.0.5:12201"}},
        {"log-driver": "vendor/logging-plugin:1.0", "log-opts": {"anything": "x"}},
        {"log-driver": "journald"},
    ],
)
def test_options_the_driver_takes_pass(config):
    assert log_option_errors(config) == []


def test_json_file_limits_with_journald_are_refused_naming_the_variables():
    (error,) = log_option_errors({"log-driver": "journald", "log-opts": {"max-size": "10m", "max-file": "3"}})
    assert "max-file, max-size are not an option of the journald log driver" in error
    assert "daemon_log_opts" in error and "daemon_log_driver" in error


def test_one_unknown_option_is_named_alone():
    (error,) = log_option_errors({"log-driver": "local", "log-opts": {"tag": "x"}})
    assert "'tag' is not an option of the local log driver" in error


def test_none_takes_no_driver_options():
    assert accepted_options("none") == {"mode", "max-buffer-size"}
    assert "takes max-buffer-size, mode" in log_option_errors({"log-driver": "none", "log-opts": {"max-size": "1m"}})[0]
    assert accepted_options("some-plugin") is None
