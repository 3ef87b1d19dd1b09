// A GraphQL subscription over SSE (yoga's distinct-connections mode: POST /graphql, Accept: text/event-stream), as a
// client would open it over a real socket: the `next` payloads are collected as they arrive.

export interface SseSubscription<T = any> {
  /** The HTTP status of the stream's response. */
  readonly status: number;
  /** Every `next` payload so far (`{ data, errors }`). */
  readonly payloads: Array<{ data?: T; errors?: Array<{ message: string; extensions?: Record<string, any> }> }>;
  /** True once the server ended the stream (`complete`, or the connection closed). */
  readonly ended: boolean;
  /** Waits until `count` payloads arrived (or the stream ended), at most `timeoutMs`; returns the payloads. */
  waitFor(count: number, timeoutMs?: number): Promise<SseSubscription<T>['payloads']>;
  /** Waits, at most `timeoutMs`, until the stream ends. */
  waitForEnd(timeoutMs?: number): Promise<boolean>;
  close(): void;
}

export async function subscribeSse<T = any>(
  url: string,
  query: string,
  options: { readonly variables?: Record<string, unknown>; readonly headers?: Record<string, string> } = {},
): Promise<SseSubscription<T>> {
  const abort = new AbortController();
  const res = await fetch(url, {
    method: 'POST',
    signal: abort.signal,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...options.headers },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  const payloads: SseSubscription<T>['payloads'] = [];
  let ended = false;
  let notify: () => void = () => undefined;
  const changed = () => new Promise<void>((resolve) => (notify = resolve));
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    // an error answered as JSON before the stream started
    payloads.push((await res.json()) as SseSubscription<T>['payloads'][number]);
    ended = true;
  } else {
    void (async () => {
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const message = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(message)?.[1];
            const data = message.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
            if (event === 'next' && data !== '') payloads.push(JSON.parse(data));
            if (event === 'complete') ended = true;
            notify();
          }
        }
      } catch {
        // aborted by close()
      }
      ended = true;
      notify();
    })();
  }
  const until = async (done: () => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!done() && Date.now() < deadline) {
      await Promise.race([changed(), new Promise((r) => setTimeout(r, Math.max(1, Math.min(50, deadline - Date.now()))))]);
    }
    return done();
  };
  return {
    status: res.status,
    payloads,
    get ended() {
      return ended;
    },
    async waitFor(count, timeoutMs = 5_000) {
      await until(() => payloads.length >= count || ended, timeoutMs);
      return payloads;
    },
    waitForEnd: (timeoutMs = 5_000) => until(() => ended, timeoutMs),
    close: () => abort.abort(),
  };
}
