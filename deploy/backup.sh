#!/usr/bin/env bash
# A backup of Back Coach's database, kept for BACKUP_DAYS days (14 by default):
#   backup.sh DATABASE_URL FOLDER
# DATABASE_URL as the bot takes it (postgresql://, postgresql+asyncpg://); the dump is
# pg_dump's custom format, which pg_restore reads back: see deploy/README.md.
set -euo pipefail
url=${1:?DATABASE_URL}
folder=${2:?FOLDER}
url=${url/postgresql+asyncpg:/postgresql:}
mkdir -p "$folder"
target="$folder/backcoach-$(date -u +%Y%m%dT%H%M%SZ).dump"
pg_dump --format=custom --no-owner --file="$target.partial" "$url"
mv "$target.partial" "$target"
find "$folder" -name 'backcoach-*.dump' -mtime +"${BACKUP_DAYS:-14}" -delete
echo "$target"
