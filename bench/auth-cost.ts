// BENCH_AUTH=only: what SMART token validation and the audit trail's durability cost per request. Two gateways over one upstream, started alike,
// one open and one with --auth-issuer pointing at a loopback issuer served by this process (an ES256 key made with
// jose, its OpenID metadata and JWKS). The same scenarios run through both in interleaved rounds (before-after.ts),
// the authenticated side sending a valid bearer token with `user/*.rs`: the JWKS is fetched once and cached, so the
// difference is the per-request cost of checking the token (signature, claims) and deciding scopes.
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAfterTable, runInterleaved, type BeforeAfterPair } from './before-after.ts';
import { createClient } from './http.ts';
import { startGateway, startUpstream, waitReady } from './processes.ts';
import { SCENARIOS } from './scenarios.ts';
import type { BenchSettings } from './settings.ts';

export interface AuthCostDeps {
  readonly settings: BenchSettings;
  readonly log: (message: string) => void;
  readonly track: (child: { stop(): Promise<void> }) => void;
}

const ROUNDS = 4;

export async function runAuthCost({ settings, log, track }: AuthCostDeps): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
  let jwksFetches = 0;
  const issuerServer = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer: issuerUrl, jwks_uri: `${issuerUrl}/jwks` }));
    else if (req.url === '/jwks') {
      jwksFetches++;
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => issuerServer.listen(0, '127.0.0.1', r));
  const issuerUrl = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
  track({ stop: () => new Promise<void>((r) => issuerServer.close(() => r())) });

  const upstream = await startUpstream(settings.root, settings.nodeBin, { patients: settings.patients, seed: settings.seed, latencyMs: 0 });
  track(upstream);
  // Each gateway its own audit database (a fresh SQLite file): batched for the open one and the token one, strict for a third.
  const dbOf = (name: string) => {
    const file = join(settings.outDir, `audit-${name}.db`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    return ['--database-url', `sqlite:${file}`];
  };
  const strictConfig = join(settings.outDir, 'gateway-audit-strict.json');
  writeFileSync(strictConfig, JSON.stringify({ audit: { durability: 'strict' } }) + '\n');
  const open = await startGateway(settings.root, settings.nodeBin, upstream.baseUrl, { nodeFlags: settings.gatewayNodeFlags, args: dbOf('open') });
  track(open);
  const secured = await startGateway(settings.root, settings.nodeBin, upstream.baseUrl, { nodeFlags: settings.gatewayNodeFlags, args: ['--auth-issuer', issuerUrl, ...dbOf('batched')] });
  track(secured);
  const strict = await startGateway(settings.root, settings.nodeBin, upstream.baseUrl, {
    nodeFlags: settings.gatewayNodeFlags, args: ['--auth-issuer', issuerUrl, '--config', strictConfig, ...dbOf('strict')],
  });
  track(strict);
  await Promise.all([waitReady(open.url), waitReady(secured.url), waitReady(strict.url)]);
  log(`auth cost: open gateway ${open.url}, with --auth-issuer ${secured.url} (audit batched) and ${strict.url} (audit strict), issuer ${issuerUrl}`);

  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ scope: 'user/*.rs', client_id: 'bench' })
    .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
    .setIssuer(issuerUrl).setAudience(`${secured.url}/fhir`).setSubject('bench').setIssuedAt(now).setExpirationTime(now + 3600)
    .sign(privateKey);
  const openClient = createClient(settings.clientConnections);
  const tokenClient = createClient(settings.clientConnections, { authorization: `Bearer ${token}` });
  const strictToken = await new SignJWT({ scope: 'user/*.rs', client_id: 'bench' })
    .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
    .setIssuer(issuerUrl).setAudience(`${strict.url}/fhir`).setSubject('bench').setIssuedAt(now).setExpirationTime(now + 3600)
    .sign(privateKey);
  const strictClient = createClient(settings.clientConnections, { authorization: `Bearer ${strictToken}` });
  const pairs: BeforeAfterPair[] = [];
  const strictPairs: BeforeAfterPair[] = [];
  const counter = { reset: () => upstream.reset(), count: () => upstream.count() };
  try {
    for (const scenario of SCENARIOS.filter((s) => s.id === 's1' || s.id === 's5')) {
      await tokenClient.graphql(`${secured.url}/graphql`, scenario.query); // fails loudly if the token is refused
      const comparisons = [
        // [current, baseline] sides and the table they go to
        { into: pairs, current: { mode: 'with token validation', op: () => tokenClient.graphql(`${secured.url}/graphql`, scenario.query) },
          baseline: { mode: 'open', op: () => openClient.graphql(`${open.url}/graphql`, scenario.query) } },
        { into: strictPairs, current: { mode: 'audit strict', op: () => strictClient.graphql(`${strict.url}/graphql`, scenario.query) },
          baseline: { mode: 'audit batched', op: () => tokenClient.graphql(`${secured.url}/graphql`, scenario.query) } },
      ];
      for (const concurrency of [1, 10]) {
        for (const c of comparisons) {
          const [current, baseline] = await runInterleaved(
            [c.current, c.baseline], { latencyMs: 0, scenario, concurrency }, settings.bounds, settings.quick ? 2 : ROUNDS, c.into.length % 2 === 1, counter,
          );
          c.into.push({ route: 'GraphQL', current, baseline });
        }
        log(`auth cost ${scenario.id} c${concurrency}: done`);
      }
    }
  } finally {
    await Promise.all([openClient.close(), tokenClient.close(), strictClient.close()]);
  }
  return [
    '### Token validation cost (BENCH_AUTH=only)',
    '',
    `Two gateways over one upstream (${settings.patients} patients, 0 ms): open, and with \`--auth-issuer\` (a loopback ES256 issuer in the harness; ` +
      `every request carries a valid \`user/*.rs\` token). Interleaved rounds as in before/after; "baseline" = open, "current" = with token validation. ` +
      `JWKS fetches during the run: ${jwksFetches} (the key set is cached).`,
    '',
    beforeAfterTable(pairs),
    '',
    '### Audit durability: batched → strict (both with token validation)',
    '',
    'The same token-validating gateway with the audit trail `batched` (written off the request path within 250 ms) as "baseline" and ' +
      '`strict` (each answer waits for its events to be committed to its SQLite file) as "current". Every gateway writes its audit trail: ' +
      'the table above compares two gateways that both audit.',
    '',
    beforeAfterTable(strictPairs),
    '',
  ].join('\n');
}
