export type CommandFormatErrorKind =
  | 'empty'
  | 'newline'
  | 'unknown-command'
  | 'missing-argument'
  | 'bad-argument'
  | 'bad-number'
  | 'bad-json';

/** A bus line that cannot be parsed, or a command that cannot be written as one line. */
export class CommandFormatError extends Error {
  override readonly name = 'CommandFormatError';

  constructor(
    readonly kind: CommandFormatErrorKind,
    message: string,
  ) {
    super(message);
  }
}
