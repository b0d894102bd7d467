#!/usr/bin/env python3
"""Runs every PromQL query of the shipped Grafana dashboard against a real Prometheus and prints one verdict line per
query: "ok    - ..." when it returns at least one series with a finite value, "FAIL  - ..." otherwise.

Grafana's variables are given the values a user would see with "All" selected: $instance -> .*, and
$__rate_interval -> the window passed on the command line. The dashboard's own variable query
(label_values(metric, instance)) must list every replica named on the command line.

    dashboard_queries.py PROMETHEUS_URL DASHBOARD_JSON RATE_WINDOW REPLICA...
"""
import json
import math
import sys
import urllib.parse
import urllib.request


def get(base, path, params):
    url = f"{base}{path}?{urllib.parse.urlencode(params, doseq=True)}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def finite_values(result):
    for series in result:
        value = series.get("value", [0, "NaN"])[1]
        try:
            if math.isfinite(float(value)):
                yield series
        except ValueError:
            pass


def main():
    base, dashboard_path, window, replicas = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    with open(dashboard_path, encoding="utf-8") as f:
        dashboard = json.load(f)
    passed = failed = 0

    def verdict(ok, text):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
        print(("ok    - " if ok else "FAIL  - ") + text, flush=True)

    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") != "query":
            continue
        definition = variable["definition"]
        metric, label = definition[len("label_values("):-1].split(", ")
        values = get(base, f"/api/v1/label/{label}/values", {"match[]": metric}).get("data", [])
        verdict(sorted(values) == sorted(replicas),
                f"variable ${variable['name']} ({definition}) lists every replica: {', '.join(values) or 'none'}")

    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"].replace("$instance", ".*").replace("$__rate_interval", window)
            answer = get(base, "/api/v1/query", {"query": expr})
            result = answer.get("data", {}).get("result", []) if answer.get("status") == "success" else []
            good = list(finite_values(result))
            instances = sorted({s["metric"].get("instance", "") for s in good})
            verdict(bool(good),
                    f"{panel['title']} / {target.get('legendFormat', target['refId'])}: {len(good)} series with data"
                    + (f" from {', '.join(i for i in instances if i) or 'an aggregate'}" if good else f" ({answer.get('error', 'empty')}) — {expr}"))
    print(f"queries: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
