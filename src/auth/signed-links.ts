/**
 * Signed, expiring links (scored-CSV downloads), so a browser `<a href>` works without an
 * Authorization header while a guessed id alone gets nothing: `?expires=<unix ms>&sig=<HMAC>`,
 * the HMAC-SHA256 of "<path>\n<expires>" under DOWNLOAD_LINK_SECRET (or a random per-process
 * secret: links then work on the process that made them, which is where the file is).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export class LinkSigner {
  private readonly secret: Buffer;

  constructor(secret: string | null, private readonly now: () => number = Date.now) {
    this.secret = secret ? Buffer.from(secret) : randomBytes(32);
  }

  /** `pathname` with `expires` and `sig` query parameters, valid for `ttlMs`. */
  sign(pathname: string, ttlMs: number): string {
    const expires = this.now() + ttlMs;
    return `${pathname}?expires=${expires}&sig=${this.mac(pathname, expires)}`;
  }

  /** True when `sig` is this server's signature of `pathname` and `expires` has not passed. */
  verify(pathname: string, expires: unknown, sig: unknown): boolean {
    if (typeof expires !== 'string' || typeof sig !== 'string' || !/^\d{1,16}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return false;
    const at = Number(expires);
    if (at < this.now()) return false;
    const expected = Buffer.from(this.mac(pathname, at));
    const given = Buffer.from(sig);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private mac(pathname: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${pathname}\n${expires}`).digest('base64url');
  }
}
