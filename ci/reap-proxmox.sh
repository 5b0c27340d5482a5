#!/usr/bin/env bash
# Removes Proxmox guests that killed runs left behind (tagged harness;run-…). Reads the HARNESS_PVE_* settings;
# the token secret comes from HARNESS_PVE_TOKEN_SECRET. --all-hosts also reaps guests of other machines' runs.
source "$(dirname "$0")/lib.sh"
dotnet run --project "$ROOT/src/Harness.Cli" -- reap-proxmox "$@"
