// Recent servers, saved sites and the view's choices, on a storage in memory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sites, siteOf } from '../src/sites.js';

function memory() {
  const map = new Map();
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => map.set(k, String(v)), dump: () => [...map.values()].join('\n') };
}

const session = { host: 'ftp.example.com', port: 21, user: 'ann', password: 'hunter2', anonymous: false, mode: 'passive', tls: 'require', encoding: 'latin1' };

test('a site never holds a password', () => {
  const storage = memory();
  const sites = new Sites(storage);
  sites.visited(session, '/pub');
  sites.save(session, 'Work');
  assert.ok(!storage.dump().includes('hunter2'), storage.dump());
  assert.deepEqual(Object.keys(siteOf(session)).sort(), ['anonymous', 'encoding', 'host', 'mode', 'port', 'tls', 'user']);
});

test('recent servers: newest first, one per server and login, eight at most', () => {
  const sites = new Sites(memory());
  for (let i = 0; i < 10; i++) sites.visited({ ...session, host: `h${i}` }, '/');
  sites.visited({ ...session, host: 'h3' }, '/x');
  const recent = sites.recent();
  assert.equal(recent.length, 8);
  assert.deepEqual([recent[0].host, recent[0].path], ['h3', '/x']);
  assert.equal(recent.filter((s) => s.host === 'h3').length, 1);
});

test('a saved site is renamed, follows its last folder, and is forgotten', () => {
  const sites = new Sites(memory());
  sites.save(session, 'Work', '/pub');
  assert.equal(sites.savedFor(session).name, 'Work');
  sites.save(session, 'Office');
  assert.deepEqual(sites.saved().map((s) => s.name), ['Office']);
  sites.visited(session, '/pub/firmware');
  assert.equal(sites.savedFor(session).path, '/pub/firmware');
  assert.equal(sites.savedFor(session).name, 'Office');
  // Another login on the same host is another site.
  assert.equal(sites.savedFor({ ...session, user: 'bob' }), null);
  sites.forget(sites.savedFor(session));
  assert.deepEqual(sites.saved(), []);
});

test('the view’s choices, and storage that is broken or off', () => {
  const sites = new Sites(memory());
  sites.setView({ sort: { key: 'size', dir: -1 } });
  sites.setView({ showHidden: true });
  assert.deepEqual(sites.view(), { sort: { key: 'size', dir: -1 }, showHidden: true });
  const broken = new Sites({ getItem: () => '{not json', setItem: () => { throw new Error('full'); } });
  assert.deepEqual(broken.recent(), []);
  broken.visited(session, '/'); // no throw
  const none = new Sites(undefined);
  assert.deepEqual(none.saved(), []);
});
