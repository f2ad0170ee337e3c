import { describe, expect, it } from 'vitest';
import { justAfter } from '../../../src/cli/commands/up.js';

describe('justAfter (the next log read of an attached container)', () => {
  it('adds one nanosecond to an RFC 3339 engine timestamp', () => {
    expect(justAfter('2026-11-23T15:50:57.123456789Z')).toBe(
      `${Date.parse('2026-11-23T15:50:57Z') / 1000}.123456790`,
    );
    expect(justAfter('2026-11-23T15:50:57.5Z')).toBe(
      `${Date.parse('2026-11-23T15:50:57Z') / 1000}.500000001`,
    );
    expect(justAfter('2026-11-23T15:50:57Z')).toBe(`${Date.parse('2026-11-23T15:50:57Z') / 1000}.000000001`);
  });

  it('carries into the next second and honours offsets', () => {
    expect(justAfter('2026-11-23T15:50:57.999999999Z')).toBe(
      `${Date.parse('2026-11-23T15:50:58Z') / 1000}.000000000`,
    );
    expect(justAfter('2026-11-23T16:50:57.1+01:00')).toBe(
      `${Date.parse('2026-11-23T15:50:57Z') / 1000}.100000001`,
    );
  });

  it('undefined for what is not a timestamp', () => {
    expect(justAfter('yesterday')).toBeUndefined();
  });
});
