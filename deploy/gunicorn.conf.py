"""gunicorn settings for one portal node: `gunicorn -c deploy/gunicorn.conf.py app:app`.

Each setting can be overridden from the environment (the cluster test runs two nodes with it).
Logs are JSON lines on stdout (access) and stderr (the app), each with the request id.
"""

import logging
import os

from portal.health.access_log import JsonFormatter

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS", "4"))
threads = int(os.environ.get("PORTAL_THREADS", "4"))
# A worker killed or restarted mid-request loses only that request; HAProxy retries the
# connection on the other node when this one is gone (deploy/haproxy.cfg).
graceful_timeout = 20
timeout = 60
accesslog = os.environ.get("PORTAL_ACCESS_LOG", "-")
errorlog = "-"
logger_class = "portal.health.access_log.JsonAccessLogger"

# The app's own records (warnings, errors) as JSON with the request id; set up here, in the
# master, so every worker inherits it before the app is created.
_handler = logging.StreamHandler()
_handler.setFormatter(JsonFormatter())
logging.basicConfig(level=logging.INFO, handlers=[_handler], force=True)
