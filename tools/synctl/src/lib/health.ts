/** The answer to one `GET /health`: healthy, or why not in a few words. */
export type Health = { readonly healthy: true } | { readonly healthy: false; readonly why: string };

/** One health check, given up after `timeoutMs` (a hung process must not hang synctl). */
export async function probeHealth(url: string, timeoutMs: number): Promise<Health> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok ? { healthy: true } : { healthy: false, why: `HTTP ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const why =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : (cause?.code ?? (error as Error).message);
    return { healthy: false, why };
  }
}
