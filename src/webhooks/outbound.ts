/**
 * Outgoing webhook requests: the signature, and the guard against server-side request forgery.
 * A webhook URL may name any host, so by default a delivery may not reach loopback, private,
 * link-local or otherwise non-public addresses (the database, the cloud metadata endpoint, other
 * services on the same network). The check runs on the addresses the name resolves to at
 * connection time, so a name that later resolves elsewhere (DNS rebinding) is caught too.
 */
import { createHmac } from 'node:crypto';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the X-Trellis-Signature header. */
export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const NON_PUBLIC = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96]] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return !NON_PUBLIC.check(mapped[1], 'ipv4');
  return !NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class WebhookTargetError extends Error {
  override name = 'WebhookTargetError';
}

/** What a URL must be to be a webhook target (checked when a webhook is created). */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetError('url: expected an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookTargetError('url: expected an http:// or https:// URL');
  if (url.username || url.password) throw new WebhookTargetError('url: credentials in the URL are not allowed; verify deliveries by their signature');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (host === 'localhost' || (net.isIP(host) !== 0 && !isPublicAddress(host)))) {
    throw new WebhookTargetError(`url: ${host} is not a public address (set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow private and loopback targets)`);
  }
  return url;
}

/** A dns.lookup that refuses non-public addresses (unless allowed). */
function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as dns.LookupAddress[];
      const usable = allowPrivate ? list : list.filter((a) => isPublicAddress(a.address));
      if (usable.length === 0) {
        return callback(new WebhookTargetError(`${hostname} resolves to no public address (${list.map((a) => a.address).join(', ')})`), '', 0);
      }
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, usable);
      const first = usable[0] as dns.LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

export interface PostResult { statusCode: number | null; error: string | null; durationMs: number }

/** POSTs `body` with `headers`; never throws: a network error or timeout is reported in the result. */
export function postJson(url: URL, body: string, headers: Record<string, string>, { timeoutMs, allowPrivate }: { timeoutMs: number; allowPrivate: boolean }): Promise<PostResult> {
  const started = performance.now();
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const done = (statusCode: number | null, error: string | null) => resolve({ statusCode, error, durationMs: performance.now() - started });
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (net.isIP(host) !== 0 && !allowPrivate && !isPublicAddress(host)) return done(null, `${host} is not a public address`);
    const request = client.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Trellis-Webhooks/1', ...headers },
      lookup: guardedLookup(allowPrivate),
      timeout: timeoutMs,
    });
    request.on('response', (response) => {
      // Only the status matters; drain the body (bounded by the timeout) so the socket is freed.
      response.resume();
      response.on('end', () => done(response.statusCode ?? null, null));
      response.on('error', (error) => done(response.statusCode ?? null, error.message));
    });
    request.on('timeout', () => request.destroy(new Error(`no response within ${timeoutMs} ms`)));
    request.on('error', (error) => done(null, error.message));
    request.end(body);
  });
}
