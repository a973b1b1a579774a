# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A load balancer's view of a swarm service, run on the controller (outside the swarm nodes).

Requests the service continuously on the routing-mesh port of every node. Each request starts at the next
node in turn and moves on to the others when a node does not answer with HTTP 200 and a body within
--timeout seconds, as a load balancer with health checks would. A request fails only when no node answers.
Every failure is recorded with the time and what each node said; node misses that another node covered are
counted too. Stops when --stop-file appears, after --max-seconds or after --max-requests, and writes a JSON
report to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import urllib.error
import urllib.request


def ask(url, timeout):
    """None when the node answered the request, else what went wrong."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
            if response.status != 200 or not body.strip():
                return "HTTP %s with %d bytes" % (response.status, len(body))
            return None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return type(exc).__name__ + ": " + str(getattr(exc, "reason", exc))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--stop-file", required=True)
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("urls", nargs="+")
    args = parser.parse_args()

    started = time.time()
    report = {
        "urls": args.urls,
        "timeout": args.timeout,
        "requests": 0,
        "failed": 0,
        "failures": [],
        "answered_by": dict((url, 0) for url in args.urls),
        "node_misses": dict((url, 0) for url in args.urls),
        "stopped_by": None,
    }
    turn = 0
    while True:
        if os.path.exists(args.stop_file):
            report["stopped_by"] = "stop file"
            break
        if time.time() - started > args.max_seconds:
            report["stopped_by"] = "max seconds"
            break
        if report["requests"] >= args.max_requests:
            report["stopped_by"] = "max requests"
            break
        report["requests"] += 1
        errors = {}
        order = args.urls[turn:] + args.urls[:turn]
        turn = (turn + 1) % len(args.urls)
        for url in order:
            error = ask(url, args.timeout)
            if error is None:
                report["answered_by"][url] += 1
                break
            errors[url] = error
            report["node_misses"][url] += 1
        else:
            report["failed"] += 1
            report["failures"].append({"at": time.strftime("%H:%M:%S", time.gmtime()), "errors": errors})
        time.sleep(args.interval)
    report["seconds"] = round(time.time() - started, 1)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(report, handle, indent=2)
    os.replace(tmp, args.out)
    print(json.dumps({k: report[k] for k in ("requests", "failed", "node_misses", "seconds")}))


if __name__ == "__main__":
    main()
