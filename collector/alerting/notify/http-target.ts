// Turning a configured URL into a request target. fetch refuses URLs with credentials, and Alertmanager
// behind basic auth is commonly configured as http://user:password@host, so credentials move into an
// Authorization header; metrics and logs name the target without credentials or query (which may
// hold tokens).

export interface HttpTarget {
  /** The URL to request, without credentials. */
  url: string;
  headers: Record<string, string>;
  /** The URL as shown in metrics and logs. */
  label: string;
}

export function httpTarget(rawUrl: string): HttpTarget {
  const url = new URL(rawUrl);
  const headers: Record<string, string> = {};
  if (url.username !== '' || url.password !== '') {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.Authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const label = new URL(url.href);
  label.search = '';
  label.hash = '';
  return { url: url.href, headers, label: label.href };
}

/** Appends a path to a base URL that may itself have a path prefix (http://host/alertmanager). */
export function joinUrlPath(base: string, path: string): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url.href;
}
