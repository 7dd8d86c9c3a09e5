#!/usr/bin/env bash
# Uploads a facility CSV with curl, per the GraphQL multipart request spec.
#   client-examples/upload.sh path/to/file.csv [http://localhost:4000] [autoRetrain: true|false]
#   TRELLIS_API_KEY: an API key with the TRAINER role or higher (sent as Authorization: Bearer …)
# Apollo's CSRF prevention requires the apollo-require-preflight header on multipart requests.
set -euo pipefail
key="${TRELLIS_API_KEY:?set TRELLIS_API_KEY to an API key with the TRAINER role (npm start prints an admin key on a first start)}"
file="${1:?usage: upload.sh <file.csv> [base-url] [true|false]}"
base="${2:-${TRELLIS_URL:-http://localhost:4000}}"
auto="${3:-true}"
curl --silent --show-error --fail-with-body "$base/graphql" \
  -H 'apollo-require-preflight: true' \
  -H "Authorization: Bearer $key" \
  -F operations="{\"query\":\"mutation (\$file: Upload!, \$autoRetrain: Boolean) { uploadDataset(file: \$file, autoRetrain: \$autoRetrain) { acceptedCount rejectedCount rejectedRows { line column reason } dataset { id name rowCount labeledCount } trainingJob { id status } } }\",\"variables\":{\"file\":null,\"autoRetrain\":$auto}}" \
  -F map='{"0":["variables.file"]}' \
  -F 0=@"$file;type=text/csv"
echo
