import { describe, expect, it } from 'vitest';
import { ifMatchHeader, ifNoneExistHeader } from '../../src/sources/write-headers.ts';

describe('ifMatchHeader', () => {
  it('turns a versionId or an ETag into a weak ETag', () => {
    expect(ifMatchHeader('3')).toBe('W/"3"');
    expect(ifMatchHeader(' W/"3" ')).toBe('W/"3"');
    expect(ifMatchHeader('"abc-1.2"')).toBe('W/"abc-1.2"');
  });
  it('refuses what is not a FHIR version id', () => {
    for (const bad of ['', 'W/""', 'a b', '"3', 'W/"3"x', '3\r\nx-evil: 1', 'x'.repeat(65)]) expect(ifMatchHeader(bad)).toBeUndefined();
  });
});

describe('ifNoneExistHeader', () => {
  it('takes the query of a search, without a leading ?', () => {
    expect(ifNoneExistHeader('identifier=http://sys|123', 100)).toBe('identifier=http://sys|123');
    expect(ifNoneExistHeader('?identifier=a&birthdate=2000', 100)).toBe('identifier=a&birthdate=2000');
  });
  it('percent-encodes characters outside printable ASCII, so nothing can break the header', () => {
    expect(ifNoneExistHeader('name=Müller', 100)).toBe('name=M%C3%BCller');
    expect(ifNoneExistHeader('name=a\r\nx-evil: 1', 100)).toBe('name=a%0D%0Ax-evil: 1');
  });
  it('refuses what is not a query, or too long', () => {
    for (const bad of ['', '?', 'just words', 'a=1&&b=2', '=x', 'name=\uD800']) expect(ifNoneExistHeader(bad, 100)).toBeUndefined();
    expect(ifNoneExistHeader(`a=${'x'.repeat(100)}`, 100)).toBeUndefined();
  });
});
