#!/bin/sh
# Creates Trellis's database and the role it connects as: the owner of that database (so its
# migrations can create tables), but not a superuser and unable to create roles or databases.
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d), as the
# image's superuser; the same file is used by docker-compose.yml and the local Kubernetes overlay
# (a copy, kept identical by test/deploy/manifests.test.ts), and by test/integration/deploy/scale-out.test.ts.
#   APP_DB_PASSWORD  required: the application role's password
#   APP_DB_USER      default trellis
#   APP_DB_NAME      default trellis
set -eu
: "${APP_DB_PASSWORD:?APP_DB_PASSWORD must be set (the application role's password)}"
APP_DB_USER="${APP_DB_USER:-trellis}"
APP_DB_NAME="${APP_DB_NAME:-trellis}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v app_user="$APP_DB_USER" -v app_db="$APP_DB_NAME" -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE :"app_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'app_password';
CREATE DATABASE :"app_db" OWNER :"app_user";
REVOKE ALL ON DATABASE :"app_db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"app_db" TO :"app_user";
SQL
