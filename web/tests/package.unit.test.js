// The npm package ships every module its entry points import: a module left out of
// package.json's "files" installs fine and then fails to load in the user's page.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');

test('every module the package imports is in its files', async () => {
  const pkg = JSON.parse(await readFile(join(web, 'package.json'), 'utf8'));
  const shipped = new Set(pkg.files.map((f) => normalize(f)));
  const isShipped = (file) => shipped.has(file) || [...shipped].some((f) => f.endsWith('/') && file.startsWith(f));
  const seen = new Set();
  const queue = ['dist/index.js', 'dist/download-worker.js'];
  while (queue.length) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    assert.ok(isShipped(file), `${file} is imported but not in package.json's files`);
    // The wasm-bindgen output and the vendored zip writer, shipped whole.
    if (file.startsWith('dist/pkg/') || file.startsWith('dist/vendor/')) continue;
    const text = await readFile(join(web, file.replace(/^dist\//, 'src/')), 'utf8');
    for (const [, spec] of text.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)) {
      if (spec) queue.push(normalize(join(dirname(file), spec)));
    }
    for (const [, spec] of text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g)) queue.push(normalize(join(dirname(file), spec)));
  }
  assert.ok(seen.size > 5, `only ${[...seen].join(', ')}`);
});
