/** Standard (RFC 4648 `+/`) base64 without `=` padding: signatures, keys, hashes, v3 event ids. */
export function encodeBase64(bytes: Uint8Array): string {
  return toBuffer(bytes).toString('base64').replace(/=+$/, '');
}

/** URL-safe (RFC 4648 §5 `-_`) base64 without padding: event ids (v4+) and v12 room ids. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return toBuffer(bytes).toString('base64url');
}

// Either alphabet (even mixed), then at most two `=`.
const BASE64_TEXT = /^[A-Za-z0-9+/_-]*(={0,2})$/;

/**
 * Decodes standard or URL-safe base64, padded or not. Returns null for text that is not base64
 * (Node's own decoder silently skips bad characters, which would let garbage through).
 */
export function decodeBase64(text: string): Buffer | null {
  const match = BASE64_TEXT.exec(text);
  if (!match) return null;
  const padding = match[1].length;
  const dataLength = text.length - padding;
  // A lone trailing character carries fewer than 8 bits; padding only completes a 4-char group.
  if (dataLength % 4 === 1) return null;
  if (padding > 0 && text.length % 4 !== 0) return null;
  return Buffer.from(text, 'base64');
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
