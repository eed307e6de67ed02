#!/usr/bin/env bash
# Prepares a Debian 12 machine for EventShadow, as root, and starts what it needs:
#   - a Docker engine with API >= 1.44 (Debian 13's docker.io, installed without touching the
#     system's apt configuration), bound to loopback, with no iptables rules and no masquerading;
#   - PostgreSQL 15 on 127.0.0.1 with an `eventshadow` role and database;
#   - RabbitMQ 3.10 on 127.0.0.1 with an `eventshadow` user;
#   - the local images: a RabbitMQ image for Testcontainers and the workload image for shadows.
# Idempotent: on a ready machine it only checks that each part answers, which takes seconds.
# Generated credentials go to /var/lib/eventshadow/env ($EVENTSHADOW_STATE_DIR/env when that is set);
# the other scripts and the tests read them from there.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=infra/lib.sh
source "$here/lib.sh"

[[ $(id -u) -eq 0 ]] || die "infra/setup.sh must run as root: it installs packages and starts daemons."

step "Debian packages"
install_debian_packages

step "Docker engine"
install_docker_engine
start_docker_engine

step "PostgreSQL"
start_postgresql

step "RabbitMQ"
start_rabbitmq

step "Local images"
build_image "$RABBITMQ_TEST_IMAGE" "$here/images/rabbitmq"
build_image "$WORKLOAD_IMAGE" "$here/images/workload"

write_env_file
step "Ready. Settings for the services and tests: $ENV_FILE"
