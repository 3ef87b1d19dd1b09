/**
 * What carries "the change log moved" between the gateway processes that share one log (replicas): a hint to look,
 * never the events themselves. The log in the database stays the truth; a message lost on the way (a connection
 * down, a process restarting) only makes a replica learn of the events at its next poll instead of at once.
 */
export interface ChangeBus {
  /** For the log: e.g. `PostgreSQL LISTEN/NOTIFY (channel gw_changes_…)`. Never holds a password. */
  readonly description: string;
  /**
   * Starts listening. `news` is called when another process announced events, and after every (re)connection (what was
   * said while disconnected is lost: the caller looks at the log).
   */
  listen(news: () => void): void;
  /** This process committed events up to `head`: tells the others (best effort, never throws). */
  announce(head: bigint): void;
  /** Stops listening and closes the connections. */
  close(): Promise<void>;
}

/** A message on a bus: `<instance> <head>`, so that a process skips its own announcements. */
export function busMessage(instance: string, head: bigint): string {
  return `${instance} ${head}`;
}

/** True when `message` came from another process than `instance`. */
export function fromAnother(instance: string, message: string): boolean {
  return !message.startsWith(`${instance} `);
}
