#!/usr/bin/env bash
# The main job, as root: prepares the machine (infra/setup.sh), builds and starts the four services
# (infra/services.sh start), then submits definitions and follows every negotiation to its end:
#   bash infra/run.sh                       submit the repository's samples/ folder
#   bash infra/run.sh PATH... [OPTIONS]     submit these files or folders
# All arguments go to `eventshadow submit --follow --release`, so its options work too (--timeout 600, --json).
# --release: once every negotiation has ended, the main job releases each allocation it committed, as a
# scheduler hands capacity back when a task finishes, so repeated runs keep finding room in the pools.
# To keep the allocations, run the command line yourself without --release:
#   src/Cli/bin/Release/net10.0/eventshadow submit samples --follow
# The services keep running afterwards. The exit code is the command line's: 0 all committed,
# 1 a negotiation failed, a file was rejected or a release was rejected, 2 usage error, 3 server unreachable, 4 timed out.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=infra/lib.sh
source "$here/lib.sh"

[[ $(id -u) -eq 0 ]] || die "infra/run.sh must run as root, because it installs packages and starts daemons and the services."

args=("$@")
if ((${#args[@]} == 0)); then
  samples="$repo/samples"
  [[ -d "$samples" ]] || die "no samples folder at $samples. Pass definition files or folders instead: bash infra/run.sh PATH..."
  args=("$samples")
fi

bash "$here/setup.sh"
bash "$here/services.sh" start

cli_dll=$(find "$repo/src/Cli/bin/Release" -maxdepth 2 -name eventshadow.dll -printf '%T@ %p\n' 2>/dev/null |
  sort -rn | head -n 1 | cut -d' ' -f2-)
[[ -n "$cli_dll" ]] || die "eventshadow.dll not found under src/Cli/bin/Release; the build did not produce it."
cli_relative=${cli_dll#"$repo/"}
cli_apphost=${cli_relative%.dll}

# The command line sends the operator's API key, which infra/setup.sh generated into its env file.
EVENTSHADOW_API_KEY=$(credential EVENTSHADOW_API_KEY)
export EVENTSHADOW_API_KEY

step "eventshadow submit --follow --release ${args[*]}"
status=0
dotnet "$cli_dll" submit --follow --release "${args[@]}" || status=$?

cat <<EOF

The services are still running:
  bash infra/services.sh status    readiness of each service
  bash infra/services.sh stop      stop them
Query negotiations from the repository folder (add --json for the server's JSON); the command line
reads its API key from EVENTSHADOW_API_KEY, else from $ENV_FILE:
  $cli_apphost list
  $cli_apphost show ID
  $cli_apphost release ID...     return a committed allocation's capacity to its pool
  (or: dotnet $cli_relative show ID)
The dashboard is at http://127.0.0.1:5080/ui; it asks for the read-only key, EVENTSHADOW_READ_API_KEY
in $ENV_FILE.
EOF
exit "$status"
