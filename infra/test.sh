#!/usr/bin/env bash
# Runs the test suite, as root: prepares the machine (infra/setup.sh), removes containers left over by
# earlier test runs, loads the env file and runs `dotnet test EventShadow.sln`. Extra arguments go to
# dotnet test, for example:
#   bash infra/test.sh --filter FullyQualifiedName~Cli
# Leftovers are containers labelled eventshadow.test=true or org.testcontainers=true, and shadows
# (eventshadow.shadow=true) while no service runs. When infra/services.sh reports running services,
# their shadows are left alone. Containers of a test run that is still going are removed too, so do
# not run two test runs at once on one machine.
# The exit code is dotnet test's.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=infra/lib.sh
source "$here/lib.sh"

[[ $(id -u) -eq 0 ]] || die "infra/test.sh must run as root, because it runs infra/setup.sh and removes test containers."

# Exports each KEY=value line of the env file, without the quotes that infra/setup.sh puts around
# values. Reading line by line also accepts older files with unquoted values, which sourcing would
# cut at the first ';' of a connection string.
load_env_file() {
  [[ -f "$ENV_FILE" ]] || die "$ENV_FILE is missing although infra/setup.sh ran. Check its output above."
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

remove_containers_labelled() {
  local label=$1 ids
  ids=$(docker ps -aq --filter "label=$label")
  if [[ -z "$ids" ]]; then
    echo "no containers labelled $label"
    return 0
  fi
  echo "removing $(wc -w <<<"$ids") containers labelled $label"
  # shellcheck disable=SC2086 # one argument per container id
  docker rm -f $ids >/dev/null
}

bash "$here/setup.sh"

step "Removing leftover test containers"
remove_containers_labelled eventshadow.test=true
remove_containers_labelled org.testcontainers=true
services_status=0
bash "$here/services.sh" status || services_status=$?
if ((services_status == 3)); then
  remove_containers_labelled eventshadow.shadow=true
else
  echo "services are running: their shadows (eventshadow.shadow=true) stay"
fi

step "dotnet test EventShadow.sln $*"
load_env_file
cd "$repo"
exec dotnet test EventShadow.sln "$@"
