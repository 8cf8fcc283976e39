// Every name the plain JavaScript sources use is declared or imported, and every import
// resolves: TypeScript reads src/*.js (tsconfig.names.json) and only those errors count
// here. A module split by job that leaves a helper behind fails here, not in a page.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Cannot find name, did you mean, no exported member, cannot find module. */
const NAME_ERRORS = /error TS(2304|2552|2305|2724|2614|2307|2503|2582):/;
const built = existsSync(join(web, 'dist/pkg/ftpbridge.d.ts'));
const skip = built || process.env.CI === 'true' ? false : 'needs web/dist (cargo xtask web)';

test('the JavaScript sources use only names they declare or import', { skip }, async () => {
  const tsc = join(web, 'node_modules/.bin/tsc');
  const output = await new Promise((resolve) => {
    execFile(tsc, ['-p', 'tsconfig.names.json'], { cwd: web, maxBuffer: 16 << 20 }, (_error, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
  const problems = output.split('\n').filter((line) => NAME_ERRORS.test(line));
  assert.deepEqual(problems, []);
});
