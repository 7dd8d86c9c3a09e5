/** Served at / when the web UI has not been built (web/dist missing). */
export const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Trellis</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>Trellis</h1>
<p>The API is at <a href="/graphql">/graphql</a> (queries, mutations, uploads; subscriptions over WebSocket on the same path).</p>
<p>The web UI has not been built: run <code>npm run build:web</code>.</p>
</body></html>`;
