/**
 * How nfvsim reaches Redis: the URL (redis:// or rediss:// for TLS), a password kept out
 * of the command line (NFVSIM_REDIS_PASSWORD or a file) and a private CA for TLS
 * (NFVSIM_REDIS_CA or a file). A password in the URL still works, but no message, log
 * line or error nfvsim prints shows it: URLs are printed as redis://user:***@host:port.
 * No dependencies beyond node, so the CLI can redact without loading the queue.
 */
import { readFileSync } from 'node:fs';

/** Everything needed to connect to Redis. */
export interface RedisAccess {
  /** redis://[user[:password]@]host[:port][/db] or rediss://... (TLS). */
  url: string;
  /** The password, when it does not come from the URL (it wins over the URL's). */
  password?: string;
  /** PEM text of the CA certificate(s) that sign the server's certificate (rediss:// only). */
  ca?: string;
}

/** Where the CLI found the parts of a RedisAccess. */
export interface RedisAccessSources {
  /** --queue. */
  url: string;
  /** --redis-password-file: a file holding the password (a trailing newline is dropped). */
  passwordFile?: string;
  /** --redis-ca: a PEM file. */
  caFile?: string;
}

/** A Redis URL problem, a password or CA file that cannot be read. Messages never hold a password. */
export class RedisAccessError extends Error {}

/** `url` with its password (if any) replaced by `***`: redis://user:***@host:port. Also fixes text that merely contains such URLs. */
export function redactUrl(text: string): string {
  // Up to the last '@' of the authority: a password may hold a raw '@'.
  return text.replace(/(rediss?:\/\/[^\s:@/]*:)[^\s/]*@/g, '$1***@');
}

/** `text` with the password of `access` (from the URL, the environment or the file) replaced by `***`, and every URL redacted. */
export function redact(text: string, access: RedisAccess): string {
  let out = redactUrl(text);
  for (const secret of [access.password, passwordInUrl(access.url)]) {
    // Very short passwords are not searched for: replacing every 'a' would garble the text.
    if (secret && secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

function passwordInUrl(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The RedisAccess of the CLI's options and environment: the password from
 * `--redis-password-file`, else NFVSIM_REDIS_PASSWORD, else the URL's; the CA from
 * `--redis-ca`, else the file named by NFVSIM_REDIS_CA.
 */
export function readRedisAccess(src: RedisAccessSources, env: NodeJS.ProcessEnv = process.env): RedisAccess {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new RedisAccessError(`cannot read the ${what} file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  const password = src.passwordFile !== undefined ? read(src.passwordFile, 'Redis password').replace(/\r?\n$/, '') : env.NFVSIM_REDIS_PASSWORD || undefined;
  if (src.passwordFile !== undefined && !password) throw new RedisAccessError(`the Redis password file ${src.passwordFile} is empty`);
  const caFile = src.caFile ?? (env.NFVSIM_REDIS_CA || undefined);
  const ca = caFile !== undefined ? read(caFile, 'Redis CA') : undefined;
  const access: RedisAccess = { url: src.url, password, ca };
  redisOptions(access); // checks the URL
  return access;
}

/** ioredis options of `access` (host, port, credentials, db, TLS). Throws a RedisAccessError for a bad URL. */
export function redisOptions(access: RedisAccess): { host: string; port: number; username?: string; password?: string; db?: number; tls?: { ca?: string[] } } {
  const bad = (why: string) => new RedisAccessError(`--queue ${redactUrl(access.url)}: ${why}`);
  let u: URL;
  try {
    u = new URL(access.url);
  } catch {
    throw bad('expected a Redis URL such as redis://127.0.0.1:6379');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw bad('expected a Redis URL such as redis://127.0.0.1:6379 (or rediss:// for TLS)');
  if (!u.hostname) throw bad('no host');
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : undefined;
  if (db !== undefined && !(Number.isInteger(db) && db >= 0)) throw bad(`'${u.pathname.slice(1)}' is not a database number`);
  const tls = u.protocol === 'rediss:';
  if (access.ca !== undefined && !tls) throw bad('a CA (--redis-ca, NFVSIM_REDIS_CA) is for TLS: use a rediss:// URL');
  const password = access.password ?? passwordInUrl(access.url);
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(db !== undefined ? { db } : {}),
    ...(tls ? { tls: access.ca !== undefined ? { ca: [access.ca] } : {} } : {}),
  };
}
