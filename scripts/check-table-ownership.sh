#!/usr/bin/env bash
# A context's tables and SQL functions are its own (DESIGN §2): no code under Sources/ names
# another context's. Ownership comes from the migrations: what Sources/<Context>/Migrations/*.sql
# creates (CREATE TABLE, CREATE FUNCTION) belongs to <Context>; Reporting's PostgreSQL
# migrations are in Sources/Reporting/PostgresMigrations, beside its ClickHouse ones. Every other folder of Sources/ is
# then scanned, Swift and SQL alike, comments left out; a name owned by another context fails
# with file and line. <Context>Testing folders belong to <Context>; folders that own no
# migration (App, the binaries, Events, ...) may name no context's tables.
#
# Exceptions, each with its reason:
# - Persistence's tables (the outbox) are the shared transactional outbox: every context writes
#   its events there in its own transaction, and Events relays them.
# - Reporting's migrations are ClickHouse's, another database that only Reporting talks to.
# - Migrations applied before this check existed cannot change (their checksums are recorded):
#   0003_identity_staff.sql makes the audit log immutable with Ledger's trigger function
#   ledger_refuse_change; 0007_games.sql adds a column to identity_players, references it from
#   games_sessions, and defined games_bet/games_win on Ledger's tables (dropped by 0014).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

shared_owner=Persistence
clickhouse_migrations=Sources/Reporting/Migrations
frozen=(Sources/Identity/Migrations/0003_identity_staff.sql Sources/Games/Migrations/0007_games.sql)

declare -A owner_of
for migrations in Sources/*/Migrations Sources/Reporting/PostgresMigrations; do
  [[ "$migrations" == "$clickhouse_migrations" ]] && continue
  context=$(basename "$(dirname "$migrations")")
  while read -r name; do
    owner_of[$name]=$context
  done < <(sed 's/--.*//' "$migrations"/*.sql \
    | grep -oiE 'create (or replace )?(table|function)( if not exists)? [a-z_][a-z0-9_]*' \
    | awk '{print tolower($NF)}' | sort -u)
done

names=$(IFS='|'; echo "${!owner_of[*]}")
status=0
for folder in Sources/*/; do
  folder=${folder%/}
  context=$(basename "$folder")
  context=${context%Testing}
  while IFS= read -r -d '' file; do
    for skip in "${frozen[@]}"; do [[ "$file" == "$skip" ]] && continue 2; done
    comment='//'
    [[ "$file" == *.sql ]] && comment='--'
    while IFS=: read -r line name; do
      name=${name,,}
      owner=${owner_of[$name]}
      [[ "$owner" == "$context" || "$owner" == "$shared_owner" ]] && continue
      echo "$file:$line: names $name, which belongs to $owner" >&2
      status=1
    done < <(awk -v c="$comment" '{ i = index($0, c); print (i ? substr($0, 1, i - 1) : $0) }' "$file" \
      | grep -noiwE "$names" || true)
  done < <(find "$folder" -type f \( -name '*.swift' -o -name '*.sql' \) -print0)
done
if [[ $status -eq 0 ]]; then
  echo "table ownership: ${#owner_of[@]} tables and functions, each named only by its own context"
fi
exit $status
