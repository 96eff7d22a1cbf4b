import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webPages } from '../src/http/webPages.ts';

const INDEX = '<!doctype html><title>app</title><div id="root"></div>';
const ID = 'AbCdEfGhIjKlMnOpQrStUv';

describe('web pages', () => {
  let dir: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'web-pages-'));
    await writeFile(join(dir, 'index.html'), INDEX);
    await writeFile(join(dir, 'app.js'), 'console.log(1)');
    const app = express();
    app.set('case sensitive routing', true);
    app.use(webPages(dir));
    // What createApp puts after the pages.
    app.use((_req, res) => res.status(404).json({ reason: 'not-found', message: 'not found' }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

  it("serves the app's index with 200 on every page path the app knows", async () => {
    for (const path of [
      '/',
      '/connexion',
      '/inscription',
      '/organisateur',
      `/m/${ID}`,
      `/i/${ID}/`,
      `/h/${ID}`,
    ]) {
      const res = await fetch(`${base}${path}`, { headers: html });
      expect(res.status, path).toBe(200);
      expect(await res.text()).toBe(INDEX);
    }
    expect((await fetch(`${base}/organisateur/reunions/${ID}`, { headers: html })).status).toBe(200);
  });

  it("serves the app's index with 404 for an unknown page path, so the app shows its own not-found page", async () => {
    for (const path of [
      '/nulle-part',
      '/m/',
      '/m/court',
      `/m/${ID}/en-trop`,
      '/i/pas-un-lien',
      '/organisateur/inconnu',
      '/organisateur/reunions/x',
      '/Connexion',
    ]) {
      const res = await fetch(`${base}${path}`, { headers: html });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      expect(await res.text(), path).toBe(INDEX);
    }
  });

  it('keeps JSON refusals for API paths, any spelling of /metrics, and clients that do not take HTML', async () => {
    for (const path of [
      '/api/nothing',
      '/socket.io/x',
      '/metrics',
      '/METRICS',
      '/%6D%65%74%72%69%63%73',
      '/x/Metrics',
    ]) {
      const res = await fetch(`${base}${path}`, { headers: html });
      expect(res.status, path).toBe(404);
      expect(await res.json(), path).toEqual({ reason: 'not-found', message: 'not found' });
    }
    const json = await fetch(`${base}/nulle-part`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(404);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it("serves the app's files", async () => {
    const res = await fetch(`${base}/app.js`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('console.log(1)');
  });
});
