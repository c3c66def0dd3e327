// Text from outside (a server's reply, a CLI's output) made safe for one line of the log.

/** One printable line: no control characters, bounded length. */
export function oneLine(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const flat = text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max)}...` : flat
}
