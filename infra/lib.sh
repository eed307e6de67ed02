# Functions shared by the scripts in infra/. Source it; it runs nothing by itself.
# shellcheck shell=bash

STATE_DIR=${EVENTSHADOW_STATE_DIR:-/var/lib/eventshadow}
ENV_FILE="$STATE_DIR/env"
LOG_DIR="$STATE_DIR/log"
RABBITMQ_TEST_IMAGE=${EVENTSHADOW_RABBITMQ_TEST_IMAGE:-eventshadow/rabbitmq:3.10}
WORKLOAD_IMAGE=${EVENTSHADOW_WORKLOAD_IMAGE:-eventshadow/workload:1}
MIN_DOCKER_API=1.44
POSTGRES_VERSION=15

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Prints the primary Debian archive URI from the system's own apt sources, so that the private
# sources file and debootstrap use the mirror this machine is configured for.
debian_mirror() {
  local uri
  uri=$(grep -hsE '^\s*URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n 1)
  [[ -n "$uri" ]] || uri=$(grep -hsE '^\s*deb\s' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n 1)
  [[ -n "$uri" ]] || die "no Debian archive found in the apt sources; configure apt first."
  printf '%s\n' "$uri"
}

packages_missing() {
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || printf '%s ' "$package"
  done
}

# chromium (with a font, as recommended packages are skipped) is for the dashboard's test, which drives it
# headless; nothing downloads a browser.
install_debian_packages() {
  local missing
  missing=$(packages_missing postgresql rabbitmq-server debootstrap ca-certificates curl procps chromium fonts-liberation)
  if [[ -z "$missing" ]]; then
    echo "already installed"
    return
  fi
  if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then
    apt-get update -q
  fi
  # shellcheck disable=SC2086 # the list is meant to split into package names
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing ||
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing; }
}

docker_api_version() {
  docker version --format '{{.Server.APIVersion}}' 2>/dev/null
}

api_at_least() {
  [[ "$(printf '%s\n%s\n' "$MIN_DOCKER_API" "$1" | sort -V | head -n 1)" == "$MIN_DOCKER_API" ]]
}

# Installs docker.io from Debian 13 (trixie): Debian 12's engine speaks API 1.41 and Testcontainers 4
# needs 1.44 or later. A private sources file, lists folder and default release keep the system's
# apt configuration untouched and take only docker.io, docker-cli and docker-buildx from trixie.
install_docker_engine() {
  if command -v dockerd >/dev/null && dpkg-query -W -f='${Version}' docker.io 2>/dev/null | grep -qvE '^20\.'; then
    echo "docker.io $(dpkg-query -W -f='${Version}' docker.io) already installed"
    return
  fi

  local apt_dir="$STATE_DIR/apt" mirror
  mirror=$(debian_mirror)
  mkdir -p "$apt_dir/lists/partial"
  cat >"$apt_dir/sources.list" <<EOF
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm-updates main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main
EOF
  cp -a /var/lib/apt/lists/. "$apt_dir/lists/" 2>/dev/null || true

  local options=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=/nonexistent
    -o "Dir::State::Lists=$apt_dir/lists" -o APT::Default-Release=bookworm)
  apt-get "${options[@]}" update -q
  DEBIAN_FRONTEND=noninteractive apt-get "${options[@]}" install -y -q --no-install-recommends \
    docker.io/trixie docker-cli/trixie
}

# Starts dockerd unless an engine with a recent enough API already responds. Published ports bind to
# 127.0.0.1 and the engine writes no iptables rules, so containers have no route out of the machine.
start_docker_engine() {
  local api
  api=$(docker_api_version || true)
  if [[ -n "$api" ]] && api_at_least "$api"; then
    echo "engine responds with API $api"
    return
  fi
  [[ -z "$api" ]] || die "a Docker engine with API $api is running; EventShadow needs $MIN_DOCKER_API or later. Stop it and re-run."

  mkdir -p "$LOG_DIR"
  nohup dockerd --iptables=false --ip-masq=false --ip=127.0.0.1 \
    >>"$LOG_DIR/dockerd.log" 2>&1 </dev/null &
  local deadline=$((SECONDS + 60))
  until api=$(docker_api_version) && [[ -n "$api" ]]; do
    ((SECONDS < deadline)) || die "dockerd did not respond within 60 s; see $LOG_DIR/dockerd.log"
    sleep 1
  done
  api_at_least "$api" || die "dockerd reports API $api; EventShadow needs $MIN_DOCKER_API or later."
  echo "engine started, API $api"
}

# Reads a value from the env file, or generates a random one the first time.
credential() {
  local name=$1 value=""
  [[ -f "$ENV_FILE" ]] && value=$(grep -E "^$name=" "$ENV_FILE" | tail -n 1 | cut -d= -f2- | tr -d "'")
  [[ -n "$value" ]] || value=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  printf '%s\n' "$value"
}

start_postgresql() {
  local cluster_dir=/etc/postgresql/$POSTGRES_VERSION/main
  [[ -d "$cluster_dir" ]] || pg_createcluster "$POSTGRES_VERSION" main
  if ! grep -qE "^listen_addresses = '127.0.0.1'" "$cluster_dir/postgresql.conf"; then
    echo "listen_addresses = '127.0.0.1'" >>"$cluster_dir/postgresql.conf"
  fi
  if ! pg_ctlcluster "$POSTGRES_VERSION" main status >/dev/null 2>&1; then
    pg_ctlcluster "$POSTGRES_VERSION" main start
  fi
  # Many tests each open a pool of connections; the default of 100 is too few for a full test run.
  local max_connections
  max_connections=$(runuser -u postgres -- env -C / psql -tAc 'SHOW max_connections')
  if ((max_connections < 300)); then
    runuser -u postgres -- env -C / psql -qc 'ALTER SYSTEM SET max_connections = 300'
    pg_ctlcluster "$POSTGRES_VERSION" main restart
  fi

  POSTGRES_PASSWORD=$(credential POSTGRES_PASSWORD)
  runuser -u postgres -- env -C / psql -v ON_ERROR_STOP=1 -q -v password="$POSTGRES_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE eventshadow LOGIN CREATEDB' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'eventshadow')\gexec
ALTER ROLE eventshadow WITH LOGIN CREATEDB PASSWORD :'password';
SELECT 'CREATE DATABASE eventshadow OWNER eventshadow' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'eventshadow')\gexec
SQL
  echo "PostgreSQL $POSTGRES_VERSION on 127.0.0.1:5432, database eventshadow"
}

start_rabbitmq() {
  # Bind AMQP, the Erlang port mapper and inter-node traffic to loopback.
  cat >/etc/rabbitmq/rabbitmq-env.conf <<'EOF'
NODE_IP_ADDRESS=127.0.0.1
NODENAME=rabbit@localhost
export ERL_EPMD_ADDRESS=127.0.0.1
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
EOF
  if ! rabbitmqctl -q status >/dev/null 2>&1; then
    mkdir -p "$LOG_DIR"
    chown rabbitmq "$LOG_DIR" 2>/dev/null || true
    runuser -u rabbitmq -- env HOME=/var/lib/rabbitmq ERL_EPMD_ADDRESS=127.0.0.1 \
      nohup rabbitmq-server >>"$LOG_DIR/rabbitmq.log" 2>&1 </dev/null &
    local deadline=$((SECONDS + 120))
    until rabbitmq-diagnostics -q ping >/dev/null 2>&1; do
      ((SECONDS < deadline)) || die "RabbitMQ did not start within 120 s; see /var/log/rabbitmq/ and $LOG_DIR/rabbitmq.log"
      sleep 2
    done
    rabbitmqctl -q --timeout 120 await_startup
  fi

  RABBITMQ_PASSWORD=$(credential RABBITMQ_PASSWORD)
  if rabbitmqctl -q list_users | awk '{print $1}' | grep -qx eventshadow; then
    rabbitmqctl -q change_password eventshadow "$RABBITMQ_PASSWORD"
  else
    rabbitmqctl -q add_user eventshadow "$RABBITMQ_PASSWORD"
  fi
  rabbitmqctl -q set_permissions -p / eventshadow '.*' '.*' '.*'
  echo "RabbitMQ on 127.0.0.1:5672, user eventshadow"
}

# Prints a hash of every file of a recipe folder, names and modes included, so that an image built
# from an older or incomplete recipe is recognised and rebuilt.
recipe_hash() {
  (cd "$1" && find . -type f -printf '%P %m\n' -exec sha256sum {} \; | LC_ALL=C sort | sha256sum | cut -c1-16)
}

# Builds image NAME from the recipe in DIR unless the engine has it built from the same recipe:
# debootstrap a Debian root filesystem with DIR/packages, copy DIR/rootfs over it, run DIR/finish.sh
# on it, and `docker import` it with the Dockerfile instructions in DIR/import-changes (one per line).
build_image() {
  local name=$1 recipe=$2 hash built
  hash=$(recipe_hash "$recipe")
  built=$(docker image inspect -f '{{index .Config.Labels "eventshadow.recipe"}}' "$name" 2>/dev/null || true)
  if [[ "$built" == "$hash" ]]; then
    echo "$name present"
    return
  fi
  [[ -z "$built" ]] || echo "$name was built from another recipe; rebuilding"

  local root="$STATE_DIR/rootfs/${name//[\/:]/_}" packages mirror
  packages=$(grep -vE '^\s*(#|$)' "$recipe/packages" | paste -sd, -)
  mirror=$(debian_mirror)
  rm -rf "$root"
  mkdir -p "$root"
  echo "building $name (debootstrap, about a minute)"
  # A policy-rc.d that refuses keeps package scripts from starting servers inside the build root.
  mkdir -p "$root/usr/sbin"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod +x "$root/usr/sbin/policy-rc.d"
  debootstrap --variant=minbase --include="$packages" \
    --keyring=/usr/share/keyrings/debian-archive-keyring.gpg bookworm "$root" "$mirror" \
    >>"$LOG_DIR/debootstrap.log" 2>&1 || die "debootstrap of $name failed; see $LOG_DIR/debootstrap.log"
  rm -f "$root/usr/sbin/policy-rc.d"
  [[ -d "$recipe/rootfs" ]] && cp -a "$recipe/rootfs/." "$root/"
  [[ -x "$recipe/finish.sh" ]] && "$recipe/finish.sh" "$root"
  rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*

  local changes=(-c "LABEL eventshadow.recipe=$hash")
  while IFS= read -r line; do
    [[ -n "$line" && "$line" != \#* ]] && changes+=(-c "$line")
  done <"$recipe/import-changes"
  tar -C "$root" -c . | docker import "${changes[@]}" - "$name" >/dev/null
  rm -rf "$root"
  echo "$name built"
}

# Writes the settings the services and tests read. Values are single-quoted, so that a shell can
# source the file (connection strings contain ';') and the tests can read it line by line.
write_env_file() {
  mkdir -p "$STATE_DIR"
  # API keys: the operator's (read and submit) for the command line and scripts, and a read-only one
  # for dashboards. The services read them as Api:Keys; `eventshadow` reads EVENTSHADOW_API_KEY.
  local api_key read_api_key
  api_key=$(credential EVENTSHADOW_API_KEY)
  read_api_key=$(credential EVENTSHADOW_READ_API_KEY)
  # PostgreSQL listens on loopback only, where TLS protects nothing and costs both ends CPU on every statement.
  local connection="Host=127.0.0.1;Port=5432;Database=eventshadow;Username=eventshadow;Password=$POSTGRES_PASSWORD;SSL Mode=Disable"
  umask 077
  cat >"$ENV_FILE" <<EOF
POSTGRES_PASSWORD='$POSTGRES_PASSWORD'
RABBITMQ_PASSWORD='$RABBITMQ_PASSWORD'
EVENTSHADOW_API_KEY='$api_key'
EVENTSHADOW_READ_API_KEY='$read_api_key'
Api__Keys__0__Name='operator'
Api__Keys__0__Key='$api_key'
Api__Keys__0__Scopes__0='read'
Api__Keys__0__Scopes__1='submit'
Api__Keys__1__Name='dashboard'
Api__Keys__1__Key='$read_api_key'
Api__Keys__1__Scopes__0='read'
ConnectionStrings__EventStore='$connection'
RabbitMq__Host='127.0.0.1'
RabbitMq__Port='5672'
RabbitMq__Username='eventshadow'
RabbitMq__Password='$RABBITMQ_PASSWORD'
Docker__Endpoint='unix:///var/run/docker.sock'
Testing__RabbitMqImage='$RABBITMQ_TEST_IMAGE'
Shadows__WorkloadImage='$WORKLOAD_IMAGE'
TESTCONTAINERS_RYUK_DISABLED='true'
TESTCONTAINERS_HOST_OVERRIDE='127.0.0.1'
EOF
}
