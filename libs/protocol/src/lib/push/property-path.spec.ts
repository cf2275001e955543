import { vectorsIn } from '../../test-vectors/vectors';
import { parsePropertyPath, propertyAtPath } from './property-path';

describe('parsePropertyPath', () => {
  it.each(vectorsIn<{ path: string }, string[]>('dot-path/'))('%s', (_name, vector) => {
    expect(parsePropertyPath(vector.input.path)).toEqual(vector.expected);
  });

  it.each([
    ['content.body', ['content', 'body']],
    ['a\\x.b', ['a\\x', 'b']],
    ['a\\', ['a\\']],
    ['a..b', ['a', '', 'b']],
    ['', ['']],
    ['a\\\\.b', ['a\\', 'b']],
  ])('splits %j into %j', (path, parts) => {
    expect(parsePropertyPath(path)).toEqual(parts);
  });
});

describe('propertyAtPath', () => {
  const event = {
    type: 'm.room.message',
    content: { 'm.relates_to': { rel_type: 'm.replace' }, list: ['x'], '': 'empty key', n: null },
  };

  it('follows escaped dots into nested objects', () => {
    expect(propertyAtPath(event, 'content.m\\.relates_to.rel_type')).toBe('m.replace');
    expect(propertyAtPath(event, 'content.m.relates_to.rel_type')).toBeUndefined();
  });

  it('returns present nulls and empty-named keys, but does not index arrays', () => {
    expect(propertyAtPath(event, 'content.n')).toBeNull();
    expect(propertyAtPath(event, 'content.')).toBe('empty key');
    expect(propertyAtPath(event, 'content.list.0')).toBeUndefined();
    expect(propertyAtPath(event, 'type.length')).toBeUndefined();
  });

  it('never reaches the prototype', () => {
    expect(propertyAtPath(event, 'constructor')).toBeUndefined();
    expect(propertyAtPath(event, 'content.__proto__')).toBeUndefined();
    expect(propertyAtPath(event, 'content.hasOwnProperty')).toBeUndefined();
  });
});
