#!/bin/sh
# Backs up Lanewatch's state directory while the service runs, into one .tar.gz:
#
#   deploy/backup-state.sh [STATE_DIR] OUTPUT.tar.gz      (STATE_DIR default /var/lib/lanewatch/state)
#
# Run it as root or as the lanewatch user (users.json and sessions.json are mode 0600); the
# archive is written with mode 0600 and holds `state/` with owners and modes kept.
#
# Why a copy taken while Lanewatch runs is consistent:
# - policies/ (one file per revision), auth/users.json, auth/sessions.json and alerts/alerts.json
#   are only ever replaced whole (written to a temporary file, fsynced, renamed): a copy reads
#   one complete version of each. Temporary files of a write in progress (*.tmp) are left out.
# - auth/audit.jsonl and alerts/alerts.journal.jsonl are only appended to: a copy holds every
#   record up to some point, and a last line torn by an append in progress is skipped on load.
# - alerts.json (a snapshot) and alerts.journal.jsonl (the changes after it, numbered) go
#   together: the journal is copied FIRST. A later snapshot then already holds every change the
#   earlier journal copy has (loading replays only lines numbered after the snapshot), so no
#   change is lost even when a compaction ran in between.
# Files are consistent one by one, not across files (a policy saved during the copy may be in
# the archive while its audit record is not). For one instant across everything, stop the
# service first (systemctl stop lanewatch), copy, start it again; or snapshot the file system.
# spool/ is not state: points waiting for InfluxDB, written on the next start.
set -eu

if [ $# -eq 1 ]; then
  state=/var/lib/lanewatch/state
  out=$1
elif [ $# -eq 2 ]; then
  state=$1
  out=$2
else
  echo "usage: $0 [STATE_DIR] OUTPUT.tar.gz   (STATE_DIR default /var/lib/lanewatch/state)" >&2
  exit 2
fi
if [ ! -d "$state" ]; then
  echo "$0: state directory $state not found (settings.yaml state.dir)" >&2
  exit 1
fi

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/state"

journal=alerts/alerts.journal.jsonl
if [ -f "$state/$journal" ]; then
  cp -p "$state/$journal" "$work/journal-first"
fi

# Every other file, one by one; one that vanishes between the listing and the copy (a file
# replaced or moved aside) is skipped, any other failure stops the backup.
(cd "$state" && find . -type f ! -name '*.tmp' ! -path "./$journal" -print) | while IFS= read -r file; do
  mkdir -p "$work/state/$(dirname "$file")"
  if ! cp -p "$state/$file" "$work/state/$file" 2>"$work/cp-error"; then
    if [ -e "$state/$file" ]; then
      echo "$0: cannot copy $state/$file: $(cat "$work/cp-error")" >&2
      exit 1
    fi
  fi
done

if [ -f "$work/journal-first" ]; then
  mkdir -p "$work/state/alerts"
  mv "$work/journal-first" "$work/state/$journal"
fi

# Directories keep their modes and owners too.
(cd "$state" && find . -type d -print) | while IFS= read -r dir; do
  if [ -d "$work/state/$dir" ]; then
    chmod "$(stat -c %a "$state/$dir")" "$work/state/$dir"
    chown "$(stat -c %u:%g "$state/$dir")" "$work/state/$dir" 2>/dev/null || true
  fi
done

tar -C "$work" -czf "$out.partial" state
mv "$out.partial" "$out"
echo "$0: $state → $out ($(find "$work/state" -type f | wc -l) files)"
