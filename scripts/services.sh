#!/usr/bin/env bash
# Idempotent: install PostgreSQL/Redis from Debian if absent, start them if they do not
# answer, create the portal role + database. Prints the URLs to export, for
#   eval "$(bash scripts/services.sh)"
set -euo pipefail
PGHOST_=127.0.0.1 PGPORT_=${PGPORT:-5432} REDIS_PORT=${REDIS_PORT:-6379}
DB_USER=${DB_USER:-portal} DB_PASS=${DB_PASS:-portal} DB_NAME=${DB_NAME:-portal}

pkgs=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || pkgs+=(postgresql)
command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
if [ ${#pkgs[@]} -gt 0 ]; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi

if ! pg_isready -q -h "$PGHOST_" -p "$PGPORT_"; then
  PGVER=$(ls /usr/lib/postgresql | sort -V | tail -1)
  pg_lsclusters -h | awk -v v="$PGVER" '$1==v && $2=="main"' | grep -q . \
    || pg_createcluster "$PGVER" main >/dev/null
  install -d -m 2775 -o postgres -g postgres /var/run/postgresql
  pg_ctlcluster --skip-systemctl-redirect "$PGVER" main start >&2 || true
  for _ in $(seq 60); do pg_isready -q -h "$PGHOST_" -p "$PGPORT_" && break; sleep 0.5; done
  pg_isready -h "$PGHOST_" -p "$PGPORT_" >&2
fi

# Superuser psql: peer auth as postgres over the socket (Debian default), else TCP (trust setups).
pg_su() {
  if (cd / && runuser -u postgres -- psql -p "$PGPORT_" -qAtc 'select 1' >/dev/null 2>&1); then
    (cd / && runuser -u postgres -- psql -p "$PGPORT_" -v ON_ERROR_STOP=1 -qAt "$@")
  else
    psql -h "$PGHOST_" -p "$PGPORT_" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"
  fi
}
if [ "$(pg_su -c "select 1 from pg_roles where rolname='$DB_USER'")" != 1 ]; then
  # CREATEDB: pytest-django creates and drops test_<name>.
  pg_su -c "create role $DB_USER login createdb password '$DB_PASS'"
fi
if [ "$(pg_su -c "select 1 from pg_database where datname='$DB_NAME'")" != 1 ]; then
  pg_su -c "create database $DB_NAME owner $DB_USER"
fi

if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
  install -d -o redis -g redis /var/lib/redis /var/log/redis 2>/dev/null || install -d /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
    --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2
  for _ in $(seq 40); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.25; done
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null
fi

echo "export DATABASE_URL=postgres://$DB_USER:$DB_PASS@$PGHOST_:$PGPORT_/$DB_NAME"
echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
