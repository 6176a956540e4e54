#!/bin/sh
# The image's roles (config/deploy/Dockerfile). Every role execs its process, so it is PID 1 and gets
# the orchestrator's SIGTERM itself: gunicorn drains in-flight requests (graceful_timeout), a Celery
# worker finishes its running tasks (warm shutdown; a task cut short by SIGKILL is redelivered:
# acks_late + reject_on_worker_lost), beat just stops.
set -eu

role="${1:-web}"
[ "$#" -gt 0 ] && shift

if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  # Multi-process metrics: a fresh folder per container start (stale files would add old counts).
  rm -rf "${PROMETHEUS_MULTIPROC_DIR:?}"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi

case "$role" in
  web)
    exec gunicorn config.wsgi --config python:config.gunicorn_conf "$@"
    ;;
  worker)
    # worker <queue[,queue...]> [celery worker options]; the queues may also come from CELERY_QUEUES.
    # Default: every queue of config/queues.py (one worker for all; the deployment files run one per queue).
    queues="${1:-${CELERY_QUEUES:-celery,sla,outbox,webhooks,email,jobs}}"
    [ "$#" -gt 0 ] && shift
    exec celery -A config worker \
      --queues "$queues" \
      --hostname "${queues%%,*}@%h" \
      --concurrency "${CELERY_CONCURRENCY:-2}" \
      --loglevel "${LOG_LEVEL:-INFO}" \
      --without-mingle --without-gossip \
      "$@"
    ;;
  beat)
    # Exactly one beat per deployment (Kubernetes: replicas 1 with the Recreate strategy).
    exec celery -A config beat \
      --scheduler django_celery_beat.schedulers:DatabaseScheduler \
      --loglevel "${LOG_LEVEL:-INFO}" \
      --pidfile= \
      "$@"
    ;;
  migrate)
    # Also creates the missing periodic tasks (post_migrate) and the default SLA policy.
    exec python manage.py migrate --noinput "$@"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
