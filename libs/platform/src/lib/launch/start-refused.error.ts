/**
 * A reason found while starting that the operator fixes, not a bug (another process already runs
 * under this one's name): `launchApp` prints the message alone, as one line, and exits 1.
 */
export class StartRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartRefusedError';
  }
}
