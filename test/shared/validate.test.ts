import { arrayOf, BadInput, bool, FIELD_SHOWN, int, MESSAGE_MAX, object, oneOf, optional, str, validate } from '../../src/shared/validate';

describe('validate', () => {
  const shape = object({ format: oneOf(['md', 'html'] as const), limit: optional(int({ min: 1, max: 10 })), flags: optional(arrayOf(bool(), { max: 2 })), q: optional(str({ max: 5 })) });

  it('accepts a valid payload and fills absent optional fields with undefined', () => {
    expect(validate(shape, { format: 'md', limit: 3 })).toEqual({ format: 'md', limit: 3, flags: undefined, q: undefined });
  });

  it.each([
    [{ format: 'pdf' }, 'format: must be one of md, html'],
    [{ format: 'md', limit: 0 }, 'limit: must be ≥ 1'],
    [{ format: 'md', limit: 1.5 }, 'limit: expected a whole number'],
    [{ format: 'md', flags: [true, 'x'] }, 'flags[1]: expected true or false'],
    [{ format: 'md', flags: [true, true, true] }, 'flags: must hold at most 2 items'],
    [{ format: 'md', q: 'toolong' }, 'q: must be at most 5 characters'],
    [{ format: 'md', extra: 1 }, 'extra: is not a known field'],
    // Inherited names must not pass as known fields.
    [{ format: 'md', constructor: 1 }, 'constructor: is not a known field'],
    [{ format: 'md', toString: 'x' }, 'toString: is not a known field'],
    [[1], 'expected an object, got a list'],
  ])('refuses %j with a message naming the field', (payload, message) => {
    expect(() => validate(shape, payload)).toThrow(BadInput);
    expect(() => validate(shape, payload)).toThrow(message);
  });

  it('shows at most FIELD_SHOWN safe characters of a field name and caps the message', () => {
    const err = (payload: unknown): BadInput => {
      try {
        validate(shape, payload);
      } catch (e) {
        if (e instanceof BadInput) return e;
      }
      throw new Error('expected BadInput');
    };
    const long = err({ format: 'md', ['x'.repeat(100_000)]: 1 });
    expect(long.message).toBe(`${'x'.repeat(FIELD_SHOWN)}…: is not a known field`);
    expect(err({ format: 'md', 'a\u0000<b>\n': 1 }).message).toBe('a??b??: is not a known field');
    expect(new BadInput('f', 'y'.repeat(10_000)).message.length).toBe(MESSAGE_MAX);
  });
});
