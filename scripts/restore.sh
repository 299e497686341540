#!/usr/bin/env bash
# Restores the newest Litestream replica of the database into the data
# directory. Run it with the services stopped, before scripts/run.sh (or
# docker compose up) starts them again; the sync daemon then resumes from the
# restored cursors and fetches only what the replica had not seen yet.
#
#   CUPID_BACKUP_DIR=/mnt/backup/cupid bash scripts/restore.sh          # a file replica
#   CUPID_BACKUP_URL=s3://bucket/cupid bash scripts/restore.sh          # any replica URL
#   bash scripts/restore.sh --force     # replace an existing database
#
# Options (environment):
#   CUPID_DATA_DIR    the data directory                      (./data)
#   CUPID_BACKUP_DIR  the file replica scripts/run.sh writes
#   CUPID_BACKUP_URL  a replica URL instead (s3://, gs://, abs://, file://);
#                     S3 credentials from LITESTREAM_ACCESS_KEY_ID and
#                     LITESTREAM_SECRET_ACCESS_KEY
#
# An existing database is never deleted: with --force it is moved aside to
# cupid.db.before-restore-<time> first.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fail() { printf 'restore.sh: %s\n' "$*" >&2; exit 1; }

force=0
for argument in "$@"; do
	case "$argument" in
	--force) force=1 ;;
	-h | --help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) fail "unknown argument '$argument' (only --force)" ;;
	esac
done

data_dir="$(mkdir -p "${CUPID_DATA_DIR:-$repo/data}" && cd "${CUPID_DATA_DIR:-$repo/data}" && pwd)"
database="$data_dir/cupid.db"
litestream="$(bash "$repo/scripts/litestream.sh")"

if [ -n "${CUPID_BACKUP_URL:-}" ]; then
	source=("$CUPID_BACKUP_URL")
	described="$CUPID_BACKUP_URL"
elif [ -n "${CUPID_BACKUP_DIR:-}" ]; then
	[ -d "$CUPID_BACKUP_DIR" ] || fail "CUPID_BACKUP_DIR=$CUPID_BACKUP_DIR is not a directory"
	backup_dir="$(cd "$CUPID_BACKUP_DIR" && pwd)"
	export CUPID_DATABASE_PATH="$database" CUPID_BACKUP_DIR="$backup_dir"
	source=(-config "$repo/scripts/litestream-file.yml" "$database")
	described="$backup_dir"
else
	fail "set CUPID_BACKUP_DIR (the file replica scripts/run.sh writes) or CUPID_BACKUP_URL (e.g. s3://bucket/cupid)"
fi

# A process that still has the database open (the daemon, an api-server,
# Litestream) would write over or read from the file being replaced.
for descriptor in /proc/[0-9]*/fd/*; do
	case "$(readlink "$descriptor" 2>/dev/null)" in
	"$database" | "$database-wal")
		pid="${descriptor#/proc/}"
		pid="${pid%%/*}"
		fail "process $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) has $database open; stop the services first"
		;;
	esac
done

if [ -e "$database" ]; then
	[ "$force" = 1 ] || fail "$database exists; pass --force to move it aside and restore over it"
	aside="$database.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
	for suffix in "" -wal -shm; do
		[ -e "$database$suffix" ] && mv "$database$suffix" "$aside$suffix"
	done
	echo "moved the existing database aside to $aside"
fi
# A WAL or shared-memory file left without its database would be replayed
# into the restored one; Litestream's own tracking directory describes the
# old database, not the restored one (Litestream's "tips" page).
rm -f "$database-wal" "$database-shm"
rm -rf "$data_dir/.cupid.db-litestream"

partial="$database.restoring"
rm -f "$partial" "$partial-wal" "$partial-shm"
"$litestream" restore -if-replica-exists -integrity-check full -o "$partial" "${source[@]}" ||
	fail "litestream restore from $described failed (see above)"
[ -e "$partial" ] || fail "no replica found in $described"
mv "$partial" "$database"
echo "restored $database from $described"
