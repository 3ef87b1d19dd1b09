import type { SourceConfig } from '../config/config.types.ts';
import type { Db } from '../db/database.ts';
import type { ChangeFeed } from '../fhir/change-event.ts';
import type { FhirClient } from '../sources/fhir-client.ts';
import { CaptureLock } from './capture-lock.ts';
import { CaptureState } from './capture-state.ts';
import { HookReplayStore } from './hook-replay-store.ts';
import { repeat, type Repeating } from './poller.ts';
import { RestHook, type HookAnswer, type HookDelivery } from './rest-hook.ts';
import { SourceCapture, type CaptureLog } from './source-capture.ts';
import { registerSubscriptions, subscriptionSupport, type SubscriptionSupport } from './subscription-registration.ts';
import { historyTypesOf } from './type-history.ts';

export interface ChangeCaptureOptions {
  readonly sources: readonly { readonly config: SourceConfig; readonly client: FhirClient }[];
  readonly feed: Pick<ChangeFeed, 'record'>;
  /** The gateway's database: the watermarks and event numbers live there. */
  readonly db: Promise<Db>;
  /** The gateway's public base URL (config.publicBaseUrl): `{it}/hooks/{id}` is a Subscription's default endpoint. */
  readonly publicBaseUrl: string | null;
  readonly log: CaptureLog;
}

/** Change capture of every source, as the app and the `/hooks` route see it. */
export interface ChangeCapture {
  /** Whether `/hooks/{sourceId}` takes notifications (the source's mode is 'hook' or 'subscription'). */
  accepts(sourceId: string): boolean;
  receive(sourceId: string, delivery: HookDelivery): Promise<HookAnswer>;
  /** Starts polling, and reading the watermarks of the watched types. */
  start(): void;
  /** A source's CapabilityStatement was read (at start, at each refresh): Subscriptions are registered or checked. */
  capabilitiesChanged(sourceId: string, statement: Record<string, unknown>): void;
  /** Resolves once every source's first poll, baseline or registration has ended (a failed one is retried later). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

interface Captured {
  readonly config: SourceConfig;
  readonly capture: SourceCapture;
  hook: RestHook | undefined;
  support: SubscriptionSupport | undefined;
  /** The polling loop, the watermark baseline, or the Subscription registration. */
  loop: Repeating | undefined;
  /** Resolves when the loop exists (a registration waits for the CapabilityStatement). */
  readonly looping: Promise<void>;
  started: () => void;
}

/**
 * Builds the change capture of each configured source (config `changes`): hook and subscription modes answer
 * `/hooks/{id}`; subscription mode registers its Subscriptions once the source's CapabilityStatement says it can, then
 * reads what changed while the gateway was not listening (one replica at a time: capture-lock.ts); poll mode searches
 * its types every intervalMs. Each source's progress is kept in the database (capture-state.ts).
 */
export function createChangeCapture(options: ChangeCaptureOptions): ChangeCapture {
  const { log } = options;
  const state = new CaptureState(options.db);
  const replays = new HookReplayStore(options.db);
  const lock = new CaptureLock(options.db);
  const captured = new Map<string, Captured>();
  let stopped = false;
  for (const { config, client } of options.sources) {
    const changes = config.changes;
    if (changes.mode === 'none') continue;
    // Notifications tell of deletes; only polling depends on reading them.
    const capture = new SourceCapture({ sourceId: config.id, client, feed: options.feed, state, log, noHistoryLevel: changes.mode === 'poll' ? 'warn' : 'info' });
    let started: () => void = () => undefined;
    const looping = new Promise<void>((resolve) => (started = resolve));
    const entry: Captured = { config, capture, hook: undefined, support: undefined, loop: undefined, looping, started };
    if (changes.mode !== 'poll') {
      entry.hook = new RestHook({ capture, auth: changes, types: changes.types, eventsOperation: () => entry.support?.eventsOperation ?? false, state, replays, log });
    }
    captured.set(config.id, entry);
  }
  const entryOf = (id: string) => captured.get(id);

  /** Reads what changed since the watermarks (or takes the baselines) of a source's watched types. */
  const catchUp = (c: Captured, types: readonly string[]) => c.capture.exclusive(async () => {
    const watched = [...new Set([...types, ...(await c.capture.watchedTypes())])];
    for (const type of watched) await c.capture.catchUp(type);
  });

  const startLoop = (c: Captured, loop: Repeating) => {
    c.loop = loop;
    c.started();
  };

  return {
    accepts: (sourceId) => entryOf(sourceId)?.hook !== undefined,
    async receive(sourceId, delivery) {
      const hook = entryOf(sourceId)?.hook;
      if (hook === undefined) throw new Error(`source '${sourceId}' takes no notifications`);
      return hook.receive(delivery);
    },
    start() {
      for (const c of captured.values()) {
        const changes = c.config.changes;
        const id = c.config.id;
        if (changes.mode === 'poll') {
          log('info', `change capture: polling source '${id}' every ${changes.intervalMs} ms for ${changes.types.join(', ')}`);
          startLoop(c, repeat({ run: () => catchUp(c, changes.types), intervalMs: changes.intervalMs, what: `polling source '${id}'`, log }));
        } else if (changes.mode === 'hook') {
          startLoop(c, repeat({ run: () => catchUp(c, changes.types), intervalMs: 0, firstBackoffMs: 5000, what: `reading what changed on source '${id}' since the gateway last listened`, log }));
        }
      }
    },
    capabilitiesChanged(sourceId, statement) {
      const c = entryOf(sourceId);
      if (c === undefined || stopped) return;
      const before = c.support;
      c.support = subscriptionSupport(statement);
      c.capture.setHistoryTypes(historyTypesOf(statement));
      const changes = c.config.changes;
      if (changes.mode !== 'subscription') return;
      if (!c.support.subscriptions) {
        if (before?.subscriptions !== false) {
          log('error', `change capture: source '${sourceId}' does not declare Subscription in its CapabilityStatement: no Subscription is registered (use "mode": "poll" for it)`);
        }
        if (c.loop === undefined) c.started(); // nothing to wait for
        return;
      }
      if (c.loop !== undefined) {
        c.loop.kick(); // a refresh: check the Subscriptions are still there
        return;
      }
      const endpoint = changes.callbackUrl ?? `${options.publicBaseUrl ?? ''}/hooks/${sourceId}`;
      startLoop(c, repeat({
        intervalMs: 0,
        firstBackoffMs: 5000,
        what: `registering the Subscriptions of source '${sourceId}'`,
        log,
        run: async () => {
          // Registered outside the source's queue: a source may notify (or hand-shake) before it answers the create.
          // One replica at a time (a lease in the database): the next one finds the Subscriptions the first created.
          const done = await lock.run(`subscriptions:${sourceId}:${endpoint}`, () => registerSubscriptions(c.capture.client, changes, endpoint, c.capture.signal), { signal: c.capture.signal });
          if (done.created > 0 || done.removed > 0) {
            log('info', `change capture: source '${sourceId}' notifies ${endpoint} (${done.created} Subscription(s) created, ${done.kept} kept, ${done.removed} removed)`);
          }
          await catchUp(c, changes.types); // what changed while no Subscription was listening
        },
      }));
    },
    async settled() {
      await Promise.all([...captured.values()].map(async (c) => {
        if (c.config.changes.mode !== 'subscription' && c.loop === undefined) return; // not started
        await c.looping;
        await c.loop?.first;
      }));
    },
    async stop() {
      stopped = true;
      await Promise.all([...captured.values()].map(async (c) => {
        c.started();
        await c.loop?.stop();
        await c.capture.close();
      }));
    },
  };
}
