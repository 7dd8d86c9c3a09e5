// A webhook receiver that checks X-Trellis-Signature: node client-examples/verify-webhook.mjs <secret> [port]
// The signature is "sha256=" + hex HMAC-SHA256 of the raw request body, keyed with the secret createWebhook returned.
import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

const [secret, port = '8787'] = process.argv.slice(2);
if (!secret) throw new Error('usage: node client-examples/verify-webhook.mjs <secret> [port]');

/** The 5 lines that matter: verify before trusting the body. */
export function verify(secret, rawBody, header) {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`);
  const given = Buffer.from(String(header ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    if (!verify(secret, raw, req.headers['x-trellis-signature'])) {
      res.writeHead(401).end('bad signature');
      return;
    }
    const { event, deliveryId, occurredAt, data } = JSON.parse(raw.toString('utf8'));
    console.log(`${occurredAt} ${event} (delivery ${deliveryId}):`, JSON.stringify(data));
    res.writeHead(204).end(); // any 2xx: delivered; anything else is retried with backoff
  });
}).listen(Number(port), () => console.log(`listening on :${port}; create a webhook pointing here (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true for localhost)`));
