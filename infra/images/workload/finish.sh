#!/usr/bin/env bash
# Completes the workload root filesystem after debootstrap: a PostgreSQL data directory that the
# postgres user can start at once, and nginx logging to the container's output.
set -euo pipefail
root=$1
if [[ ! -f "$root/var/lib/postgresql/15/main/PG_VERSION" ]]; then
  chroot "$root" pg_createcluster --port 5432 --start-conf=manual 15 main >/dev/null
fi
# pg_createcluster picks the first port that is free on the build host, so set the standard one.
sed -i -E 's/^port = [0-9]+/port = 5432/' "$root/etc/postgresql/15/main/postgresql.conf"
mkdir -p "$root/run/postgresql"
chroot "$root" chown postgres:postgres /run/postgresql
ln -sf /dev/stdout "$root/var/log/nginx/access.log"
ln -sf /dev/stderr "$root/var/log/nginx/error.log"
