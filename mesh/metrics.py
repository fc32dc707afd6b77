"""Prometheus metrics shared by every role, and the `--metrics-port` server.

Metric names live here so each is defined once; roles only increment them.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

DROPPED_MESSAGES = Counter(
    "codemesh_dropped_messages_total",
    "Messages dropped because they were malformed or oversized",
    ["role", "reason"],
)
MESSAGES = Counter("codemesh_messages_total", "Messages received", ["role"])
WORKERS = Gauge("codemesh_broker_workers", "Workers registered with this broker")
QUEUED_REQUESTS = Gauge("codemesh_broker_queued_requests", "Requests waiting for a worker")
TASKS = Counter("codemesh_tasks_total", "Analyze tasks by outcome", ["outcome"])
FILES_ANALYZED = Counter("codemesh_files_analyzed_total", "Files analyzed by this worker",
                         ["language"])
AUTH_REFUSED = Counter("codemesh_auth_refused_total",
                       "Connections refused by the ZAP handler (unknown CURVE key)", ["role"])
STORE_OPS = Histogram("codemesh_store_op_seconds", "Store operation latency", ["op"])


def serve(port: int | None, host: str = "127.0.0.1") -> None:
    """Expose /metrics on `port` when one is given (0 or None: no server)."""
    if port:
        start_http_server(port, addr=host)
