/**
 * UTF-8 byte length of a string, as DingTalk counts its 20000-byte limit.
 * @example utf8Length('钉钉') // 6
 */
export function utf8Length(value: string): number {
  // Fast path: pure ASCII strings are as long in bytes as in code units.
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
