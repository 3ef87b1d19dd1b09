import type { Plugin, YogaLogger } from 'graphql-yoga';
import { pathnameOf, receivedOf, requestIdOf } from './request-meta.ts';

/**
 * One debug line per answered request, on every route: method, path (never the query string: search values and
 * variables are health data), status, duration and request id — when the log level is debug. Server errors (5xx) are
 * logged at warn at any level.
 */
export function useAccessLog(logger: YogaLogger, debug: boolean): Plugin {
  return {
    onResponse({ request, response }) {
      if (!debug && response.status < 500) return; // nothing to log: spare the line
      const received = receivedOf(request);
      const ms = received === undefined ? '?' : (performance.now() - received.at).toFixed(1);
      const path = pathnameOf(received?.url ?? request.url);
      const line = `${request.method} ${path.length > 200 ? `${path.slice(0, 200)}...` : path} ${response.status} ${ms}ms request=${requestIdOf(request)}`;
      if (response.status >= 500) logger.warn(line);
      else logger.debug(line);
    },
  };
}
