import { optionalBoolean, optionalString } from './body-fields';

describe('body fields', () => {
  it('reads present values and treats null as absent', () => {
    expect(optionalString({ a: 'x' }, 'a')).toBe('x');
    expect(optionalString({ a: null }, 'a')).toBeUndefined();
    expect(optionalBoolean({ a: false }, 'a')).toBe(false);
    expect(optionalBoolean({}, 'a')).toBeUndefined();
  });

  it('answers wrong types with M_BAD_JSON', () => {
    expect(() => optionalString({ a: 1 }, 'a')).toThrow(
      expect.objectContaining({ errcode: 'M_BAD_JSON' }),
    );
    expect(() => optionalBoolean({ a: 'yes' }, 'a')).toThrow(
      expect.objectContaining({ errcode: 'M_BAD_JSON' }),
    );
  });
});
