// Writes dist/sources.sha256: a hash of everything the bundles are built from. tests/unit/test_consoles_bundle.py
// computes the same from the sources, so a committed bundle older than its sources fails `make test` (no npm needed).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = import.meta.dirname;
const SOURCES = ['package.json', 'package-lock.json', 'vite.config.js', 'console', 'wallet', 'src'];

function files(path) {
  return statSync(path).isDirectory() ? readdirSync(path).flatMap((name) => files(join(path, name))) : [path];
}

const hash = createHash('sha256');
for (const file of SOURCES.flatMap((s) => files(join(root, s))).map((f) => relative(root, f).split('\\').join('/')).sort()) {
  hash.update(`${file}\0`);
  hash.update(readFileSync(join(root, file)));
  hash.update('\0');
}
writeFileSync(join(root, 'dist', 'sources.sha256'), `${hash.digest('hex')}\n`);
