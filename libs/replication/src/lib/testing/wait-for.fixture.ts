/**
 * Polls `condition` until it holds; fails naming `what` after `timeoutMs`, which stays below
 * jest's default test timeout. Tests wait this way instead of sleeping or timing anything.
 */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 4_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
