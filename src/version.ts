/** The nfvsim version, read once from package.json. */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version of this nfvsim build (from package.json). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

let fingerprint: string | undefined;

/**
 * A fingerprint of the code that computes results: SHA-256 (first 16 hex digits) over the
 * compiled modules in dist/ (paths and contents, in name order), but for dist/bundle (the
 * CLI's bundle and its code cache, made from those modules: scripts/bundle.mjs). Two builds that could
 * give different numbers have different fingerprints, whatever package.json says; a
 * sweep refuses to resume or merge across them, and queue workers reject jobs from
 * another build. Computed once per process.
 */
export function codeFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const root = fileURLToPath(new URL('../dist/', import.meta.url));
  const bundle = join(root, 'bundle');
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) {
        if (p !== bundle) walk(p);
      } else if (n.endsWith('.js')) hash.update(relative(root, p)).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  walk(root);
  fingerprint = hash.digest('hex').slice(0, 16);
  return fingerprint;
}
