import fc from 'fast-check';
import { vectorsIn } from '../test-vectors/vectors';
import { decodeBase64, encodeBase64, encodeBase64Url } from './base64';

describe('unpadded base64', () => {
  it.each(vectorsIn<{ utf8: string }, string>('unpadded-base64/'))('%s', (_name, vector) => {
    const bytes = Buffer.from(vector.input.utf8, 'utf8');
    expect(encodeBase64(bytes)).toBe(vector.expected);
    expect(decodeBase64(vector.expected)).toEqual(bytes);
  });

  it('uses + and / in the standard alphabet and - and _ in the URL-safe one', () => {
    const bytes = Uint8Array.from([0xfb, 0xff, 0xbf]);
    expect(encodeBase64(bytes)).toBe('+/+/');
    expect(encodeBase64Url(bytes)).toBe('-_-_');
    expect(encodeBase64Url(Buffer.from('f'))).toBe('Zg');
  });

  it('encodes a Uint8Array view without reading outside it', () => {
    const view = Uint8Array.from(Buffer.from('xfoox')).subarray(1, 4);
    expect(encodeBase64(view)).toBe('Zm9v');
  });

  it.each(['Zg', 'Zg==', 'Zm8', 'Zm8='])('decodes %s with or without padding', (text) => {
    expect(decodeBase64(text)?.toString('utf8')).toBe(text.startsWith('Zg') ? 'f' : 'fo');
  });

  it.each(['Z', 'Zg=', 'Zg===', 'Zm9v=', 'Zm 9v', 'Zm9v!', '=Zg', 'Zg=g'])(
    'rejects malformed %j',
    (text) => {
      expect(decodeBase64(text)).toBeNull();
    },
  );

  it('round-trips any bytes through both alphabets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const expected = Buffer.from(bytes);
        expect(encodeBase64(bytes)).not.toContain('=');
        expect(decodeBase64(encodeBase64(bytes))).toEqual(expected);
        expect(decodeBase64(encodeBase64Url(bytes))).toEqual(expected);
      }),
    );
  });
});
