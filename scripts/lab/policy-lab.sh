#!/usr/bin/env bash
# Starts/stops policy-lab by PID (see lab-daemon.sh):
#   policy-lab.sh start RUNDIR BIN [flags...] | policy-lab.sh stop RUNDIR
exec "$(dirname "$0")/lab-daemon.sh" policy-lab "$@"
