/**
 * `npm run token -- --scope "user/*.rs" [--patient pat-0001] [--port 4000 | --url http://127.0.0.1:4000] [--ttl 3600]`
 * prints an access token of the `--demo-auth` development issuer (src/demo/demo-auth.ts), signed with the key in
 * .gateway/demo-auth-key.json, for the gateway at that URL: paste it into GraphiQL's Headers tab as
 * `{ "Authorization": "Bearer <token>" }`, or use it with curl.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_AUTH_KEY_FILE, demoAuthKey, signDemoToken } from '../src/demo/demo-auth.ts';

const USAGE = 'Usage: npm run token -- --scope "user/*.rs" [--patient ID] [--fhir-user Practitioner/ID] [--sub ID] [--port 4000 | --url http://127.0.0.1:4000] [--ttl SECONDS]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      scope: { type: 'string' }, patient: { type: 'string' }, 'fhir-user': { type: 'string' }, sub: { type: 'string' },
      port: { type: 'string' }, url: { type: 'string' }, ttl: { type: 'string' }, help: { type: 'boolean' },
    },
    strict: true,
  }));
} catch (error) {
  fail((error as Error).message);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (values.scope === undefined || values.scope.trim() === '') fail('--scope is required (e.g. "user/*.rs")');
const ttl = values.ttl === undefined ? 3600 : Number(values.ttl);
if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) fail('--ttl must be a whole number of seconds, 1-86400');
const port = values.port === undefined ? 4000 : Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65_535) fail('--port must be 1-65535');
const root = (values.url ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
if (!/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(root)) fail('--url must be the gateway\'s loopback root URL, e.g. http://127.0.0.1:4000');
const file = resolve(DEMO_AUTH_KEY_FILE);
if (!existsSync(file)) fail(`${DEMO_AUTH_KEY_FILE} does not exist: start the gateway with \`npm start -- --demo-auth\` once first`);

const token = await signDemoToken(await demoAuthKey(file), {
  root,
  scope: values.scope,
  ttlS: ttl,
  ...(values.patient !== undefined ? { patient: values.patient } : {}),
  ...(values.sub !== undefined ? { subject: values.sub } : {}),
  ...(values['fhir-user'] !== undefined ? { fhirUser: values['fhir-user'] } : {}),
});
process.stdout.write(`${token}\n`);
