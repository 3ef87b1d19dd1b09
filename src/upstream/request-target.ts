/**
 * Where a request goes: joins relative paths onto the source's base URL and admits absolute URLs (Bundle `next`
 * links) only when they stay inside it. Any other URL is refused, so that a link in an upstream's answer can never
 * send the gateway (and the source's credentials) to another host or outside the base path.
 */
export interface BaseUrl {
  /** Normalised, without trailing slash: 'http://h:1/fhir'. */
  href: string;
  /** 'http://h:1' */
  origin: string;
  /** '' or '/fhir' (no trailing slash). */
  basePath: string;
}

export interface RequestTarget {
  /** Path + query as sent on the wire: '/fhir/Patient?_id=a,b'. */
  dispatchPath: string;
  /** Path relative to the base URL, without query: 'Patient'. Safe for messages and logs. */
  logPath: string;
}

export function parseBaseUrl(baseUrl: string): BaseUrl {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError('Upstream baseUrl must be an absolute http(s) URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError('Upstream baseUrl must be an absolute http(s) URL without query, fragment or credentials');
  }
  const basePath = url.pathname.replace(/\/+$/, '');
  return { href: url.origin + basePath, origin: url.origin, basePath };
}

const absoluteUrl = /^[a-z][a-z0-9+.-]*:/i;

/** Resolves `path` against the base; undefined when the result would leave the base URL. */
export function resolveTarget(base: BaseUrl, path: string): RequestTarget | undefined {
  let url: URL;
  try {
    url = absoluteUrl.test(path)
      ? new URL(path)
      : new URL(path.replace(/^\/+/, ''), `${base.href}/`); // 'Patient' and '/Patient' are both relative to the base
  } catch {
    return undefined;
  }
  if (url.origin !== base.origin || url.username !== '' || url.password !== '') return undefined;
  const inside = url.pathname === base.basePath || url.pathname.startsWith(`${base.basePath}/`);
  if (!inside) return undefined;
  return { dispatchPath: url.pathname + url.search, logPath: logPathOf(base, url.pathname) };
}

/** '/fhir/Patient/1?x' → 'Patient/1' for base path '/fhir'. */
export function logPathOf(base: BaseUrl, dispatchPath: string): string {
  const q = dispatchPath.search(/[?#]/);
  const pathname = q < 0 ? dispatchPath : dispatchPath.slice(0, q);
  const rest = pathname.startsWith(base.basePath) ? pathname.slice(base.basePath.length) : pathname;
  return rest.replace(/^\/+/, '');
}
