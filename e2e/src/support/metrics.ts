const REQUESTS = /^chat_http_requests_total\{(.*)\} (\S+)$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** One series of `chat_http_requests_total`: its labels and count. */
export interface RequestCount {
  method: string;
  /** The route pattern that answered (`unmatched` for none), not the raw path. */
  endpoint: string;
  status: string;
  count: number;
}

/** `chat_http_requests_total` as a process's `/metrics` (Prometheus text format) reports it. */
export async function requestCounts(metricsBaseUrl: string): Promise<RequestCount[]> {
  const res = await fetch(`${metricsBaseUrl}/metrics`);
  if (res.status !== 200) throw new Error(`GET ${metricsBaseUrl}/metrics answered ${res.status}`);
  const counts: RequestCount[] = [];
  for (const line of (await res.text()).split('\n')) {
    const match = REQUESTS.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1].matchAll(LABEL)].map((m) => [m[1], m[2]]));
    counts.push({
      method: labels['method'] ?? '',
      endpoint: labels['endpoint'] ?? '',
      status: labels['status'] ?? '',
      count: Number(match[2]),
    });
  }
  return counts;
}
