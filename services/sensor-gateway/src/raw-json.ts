/**
 * Splits the text of a JSON array into the texts of its top-level elements
 * (or returns the whole text for a non-array), without parsing. The gateway
 * publishes each packet from its original text instead of serialising the
 * parsed numbers again, which was the largest cost per packet.
 * The input must be valid JSON (it has been parsed already).
 */
export function topLevelElements(text: string): string[] {
  let start = 0;
  while (start < text.length && isSpace(text.charCodeAt(start))) start++;
  if (text.charCodeAt(start) !== 0x5b /* [ */) return [text.trim()];
  const elements: string[] = [];
  let depth = 0;
  let inString = false;
  let elementStart = -1;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      if (depth === 1 && elementStart < 0) elementStart = i;
    } else if (c === 0x5b || c === 0x7b) {
      if (depth === 1 && elementStart < 0) elementStart = i;
      depth++;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
      if (depth === 0) {
        if (elementStart >= 0) elements.push(text.slice(elementStart, i).trim());
        break;
      }
    } else if (c === 0x2c /* , */ && depth === 1) {
      elements.push(text.slice(elementStart, i).trim());
      elementStart = -1;
    } else if (depth === 1 && elementStart < 0 && !isSpace(c)) {
      elementStart = i;
    }
  }
  return elements;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The SensorReading message for a validated packet: the gateway's fields, then the packet's own text. */
export function readingMessage(packetText: string, extra: { site: string; zone: string; receivedAt: string }): Buffer {
  // The packet is a validated object without these keys (additionalProperties: false), so prepending keeps it valid JSON.
  return Buffer.from(`{"site":${JSON.stringify(extra.site)},"zone":${JSON.stringify(extra.zone)},"receivedAt":${JSON.stringify(extra.receivedAt)},${packetText.slice(1)}`);
}
