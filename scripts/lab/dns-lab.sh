#!/usr/bin/env bash
# Starts/stops dns-lab by PID (see lab-daemon.sh):
#   dns-lab.sh start RUNDIR BIN [flags...] | dns-lab.sh stop RUNDIR
exec "$(dirname "$0")/lab-daemon.sh" dns-lab "$@"
