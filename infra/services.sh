#!/usr/bin/env bash
# Starts, stops and reports the four EventShadow services on this machine, as root:
#   services.sh start     build EventShadow.sln (Release) and start Negotiator, PoolManager, Validator
#                         and CostLedger in the background, then wait until each /health/ready returns
#                         200 (up to $EVENTSHADOW_READY_TIMEOUT seconds, default 120). Services that
#                         already run are stopped first, so the new build runs.
#   services.sh stop      SIGTERM to each recorded service, SIGKILL after a grace period.
#   services.sh restart   the same as start.
#   services.sh status    pid and readiness of each service. Exit code: 0 all ready, 1 some running
#                         but not all ready, 3 none running.
# Each service reads the env file that infra/setup.sh writes, logs to $STATE_DIR/log/<service>.log
# (the previous run's log is kept as <service>.log.1) and has its pid in $STATE_DIR/run/<service>.pid.
# The services listen on ports $EVENTSHADOW_PORT_BASE (default 5080) to $EVENTSHADOW_PORT_BASE + 3, in
# the order Negotiator, PoolManager, Validator, CostLedger. A second installation on the same machine
# sets its own EVENTSHADOW_STATE_DIR and EVENTSHADOW_PORT_BASE.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=infra/lib.sh
source "$here/lib.sh"

RUN_DIR="$STATE_DIR/run"
SERVICES=(Negotiator PoolManager Validator CostLedger)
READY_TIMEOUT=${EVENTSHADOW_READY_TIMEOUT:-120}
STOP_TIMEOUT=40
PORT_BASE=${EVENTSHADOW_PORT_BASE:-5080}
[[ "$PORT_BASE" =~ ^[0-9]+$ ]] && ((PORT_BASE >= 1024 && PORT_BASE <= 65532)) ||
  die "EVENTSHADOW_PORT_BASE is '$PORT_BASE'; it must be a port number from 1024 to 65532."

port_of() {
  case $1 in
    Negotiator) echo "$PORT_BASE" ;;
    PoolManager) echo $((PORT_BASE + 1)) ;;
    Validator) echo $((PORT_BASE + 2)) ;;
    CostLedger) echo $((PORT_BASE + 3)) ;;
    *) die "unknown service $1" ;;
  esac
}

log_of() { printf '%s/%s.log\n' "$LOG_DIR" "${1,,}"; }
pid_file_of() { printf '%s/%s.pid\n' "$RUN_DIR" "${1,,}"; }
dll_name_of() { printf 'EventShadow.%s.dll\n' "$1"; }

# Prints the service's built assembly under src/<Service>/bin/Release/<framework>/, newest first if
# there are several target frameworks.
dll_of() {
  local dll
  dll=$(find "$repo/src/$1/bin/Release" -maxdepth 2 -name "$(dll_name_of "$1")" -printf '%T@ %p\n' 2>/dev/null |
    sort -rn | head -n 1 | cut -d' ' -f2-)
  [[ -n "$dll" ]] || die "$(dll_name_of "$1") not found under src/$1/bin/Release; the build did not produce it."
  printf '%s\n' "$dll"
}

# Prints the pid recorded for the service if that process still runs the service's assembly.
# Removes a pid file that points at a finished or unrelated process.
running_pid() {
  local pid_file pid
  pid_file=$(pid_file_of "$1")
  [[ -f "$pid_file" ]] || return 1
  pid=$(<"$pid_file")
  if [[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/cmdline" ]] &&
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$(dll_name_of "$1")"; then
    printf '%s\n' "$pid"
    return 0
  fi
  rm -f "$pid_file"
  return 1
}

# Prints the HTTP status of the service's /health/ready, or 000 when nothing responds.
ready_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$(port_of "$1")/health/ready" || true
}

# Exports each KEY=value line of the env file, without the quotes that infra/setup.sh puts around
# values. Reading line by line also accepts older files with unquoted values, which sourcing would
# cut at the first ';' of a connection string.
load_env_file() {
  [[ -f "$ENV_FILE" ]] || die "$ENV_FILE is missing. Run 'bash infra/setup.sh' first."
  local line name value
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    name=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    if [[ "$value" =~ ^\'(.*)\'$ || "$value" =~ ^\"(.*)\"$ ]]; then
      value=${BASH_REMATCH[1]}
    fi
    export "$name=$value"
  done <"$ENV_FILE"
}

build() {
  command -v dotnet >/dev/null || die "dotnet not found on PATH; install the .NET 10 SDK."
  mkdir -p "$LOG_DIR"
  local build_log="$LOG_DIR/build.log"
  echo "dotnet build -c Release EventShadow.sln (log: $build_log)"
  if ! dotnet build "$repo/EventShadow.sln" -c Release -nologo >"$build_log" 2>&1; then
    grep -E ': error ' "$build_log" | sort -u | tail -n 30 >&2 || tail -n 30 "$build_log" >&2
    die "the build failed; see $build_log"
  fi
}

stop_services() {
  local service pid pids=() names=()
  for service in "${SERVICES[@]}"; do
    if pid=$(running_pid "$service"); then
      echo "stopping $service (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
      names+=("$service")
    fi
  done
  ((${#pids[@]} > 0)) || { echo "no service running"; return 0; }

  local deadline=$((SECONDS + STOP_TIMEOUT)) i
  for i in "${!pids[@]}"; do
    while kill -0 "${pids[$i]}" 2>/dev/null && ((SECONDS < deadline)); do
      sleep 0.5
    done
    # Send SIGKILL only while the pid still runs this service: the pid may have been reused meanwhile.
    if pid=$(running_pid "${names[$i]}") && [[ "$pid" == "${pids[$i]}" ]]; then
      echo "${names[$i]} (pid $pid) did not stop within $STOP_TIMEOUT s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$(pid_file_of "${names[$i]}")"
  done
  echo "stopped: ${names[*]}"
}

# Starts one service in its own session, so that it outlives this script and a Ctrl+C in the
# terminal does not reach it. The working folder is the assembly's, where its appsettings.json is.
start_service() {
  local service=$1 dll log pid_file
  dll=$(dll_of "$service")
  log=$(log_of "$service")
  pid_file=$(pid_file_of "$service")
  if [[ -f "$log" ]]; then
    mv -f "$log" "$log.1"
  fi
  rm -f "$pid_file"

  # The inner shell records its own pid, then execs dotnet, so the recorded pid is the service's.
  # shellcheck disable=SC2016 # $$ and $1.. belong to the inner shell
  setsid --fork bash -c 'echo $$ >"$1"; cd "$2" && exec dotnet "$3" --urls="$4"' _ \
    "$pid_file" "$(dirname "$dll")" "$dll" "http://127.0.0.1:$(port_of "$service")" \
    </dev/null >>"$log" 2>&1

  local deadline=$((SECONDS + 10))
  until [[ -s "$pid_file" ]]; do
    ((SECONDS < deadline)) || die "$service did not start; see $log"
    sleep 0.1
  done
  echo "started $service (pid $(<"$pid_file"), port $(port_of "$service"), log $log)"
}

fail_service() {
  local service=$1 reason=$2 log
  log=$(log_of "$service")
  printf '\n%s %s. Last lines of %s:\n' "$service" "$reason" "$log" >&2
  tail -n 40 "$log" >&2 || true
  # A stack trace can push the log line that names the error out of the tail, so repeat those lines.
  if grep -qE '^\[[0-9:.]+ (FTL|ERR)\]' "$log"; then
    printf '\nErrors logged by %s:\n' "$service" >&2
    grep -E '^\[[0-9:.]+ (FTL|ERR)\]' "$log" | tail -n 5 >&2
  fi
  die "$service is not ready. The other services keep running; stop them with 'bash infra/services.sh stop'."
}

wait_until_ready() {
  local service=$1 started=$2 status=000
  while ((SECONDS - started < READY_TIMEOUT)); do
    running_pid "$service" >/dev/null || fail_service "$service" "exited during startup"
    status=$(ready_status "$service")
    if [[ "$status" == 200 ]]; then
      echo "$service ready on http://127.0.0.1:$(port_of "$service") after $((SECONDS - started)) s"
      return 0
    fi
    sleep 1
  done
  local body
  body=$(curl -s --max-time 3 "http://127.0.0.1:$(port_of "$service")/health/ready" || true)
  fail_service "$service" "did not return 200 on /health/ready within $READY_TIMEOUT s (last status $status${body:+: $body})"
}

start_services() {
  step "Stopping running services"
  stop_services
  step "Building"
  build
  step "Starting services"
  load_env_file
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  local service started=$SECONDS
  for service in "${SERVICES[@]}"; do
    start_service "$service"
  done
  step "Waiting for /health/ready (up to $READY_TIMEOUT s each)"
  for service in "${SERVICES[@]}"; do
    wait_until_ready "$service" "$started"
  done
  step "All services ready. Stop them with 'bash infra/services.sh stop'."
}

# Prints a line per service and returns 0 when all are ready, 1 when some run but not all are
# ready, 3 when none runs.
show_status() {
  local service pid status running=0 ready=0
  for service in "${SERVICES[@]}"; do
    if pid=$(running_pid "$service"); then
      running=$((running + 1))
      status=$(ready_status "$service")
      if [[ "$status" == 200 ]]; then
        ready=$((ready + 1))
        printf '%-12s pid %-8s ready      http://127.0.0.1:%s\n' "$service" "$pid" "$(port_of "$service")"
      else
        printf '%-12s pid %-8s not ready  /health/ready returned %s; see %s\n' "$service" "$pid" "$status" "$(log_of "$service")"
      fi
    else
      printf '%-12s stopped\n' "$service"
    fi
  done
  ((running > 0)) || return 3
  ((ready == ${#SERVICES[@]})) || return 1
  return 0
}

usage() {
  echo "usage: bash infra/services.sh start|stop|restart|status" >&2
  exit 2
}

(($# == 1)) || usage
[[ $(id -u) -eq 0 ]] || die "infra/services.sh must run as root, because the state folder $STATE_DIR and the services' pid files belong to root."
command -v curl >/dev/null || die "curl not found; run 'bash infra/setup.sh', which installs it."

case $1 in
  start | restart) start_services ;;
  stop) stop_services ;;
  status) show_status ;;
  *) usage ;;
esac
