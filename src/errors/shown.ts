/** A value from a request (id, parameter, path segment) for an error message: echoed, but never at length. */
export function shown(value: string, max = 64): string {
  return value.length > max ? `${value.slice(0, max)}...` : value;
}
