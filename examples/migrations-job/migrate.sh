#!/bin/sh
# Applies /migrations/*.sql in name order, each at most once and in its own transaction, and records
# the applied ones in the schema_migrations table. Connection settings: the PG* environment variables.
set -eu

psql -v ON_ERROR_STOP=1 -q \
  -c 'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())'

applied=0
for file in /migrations/*.sql; do
  [ -e "$file" ] || continue
  version="$(basename "$file" .sql)"
  if [ -n "$(psql -tA -c "SELECT 1 FROM schema_migrations WHERE version = '$version'")" ]; then
    echo "migration $version: already applied"
    continue
  fi
  echo "migration $version: applying"
  psql -v ON_ERROR_STOP=1 -q -1 -f "$file" \
    -c "INSERT INTO schema_migrations (version) VALUES ('$version')"
  applied=$((applied + 1))
done
echo "migrations done: $applied applied"
