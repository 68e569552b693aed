// The policy editor's pure parts: the document as JSON text (parse errors with their line),
// where each dotted path sits in that text (so a problem is shown at its line), the problems
// and changes as the server names them, and adding an override for a province or a link.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type ParsedPolicy =
  | { ok: true; document: { [key: string]: JsonValue } }
  | { ok: false; message: string; line: number | null };

/** The document as the editor shows it. */
export function policyText(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** The line (1-based) of a character offset. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let index = 0; index < Math.min(offset, text.length); index += 1) if (text.charCodeAt(index) === 10) line += 1;
  return line;
}

/** Parses the editor's text: a JSON object, or the parser's message and (where it says) the line. */
export function parsePolicyText(text: string): ParsedPolicy {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message)?.[1];
    const line = /line (\d+)/.exec(message)?.[1];
    return {
      ok: false,
      message,
      line: line !== undefined ? Number(line) : position !== undefined ? lineOfOffset(text, Number(position)) : null,
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'the policy must be a JSON object', line: 1 };
  }
  return { ok: true, document: value as { [key: string]: JsonValue } };
}

/**
 * Where each value sits in JSON text: dotted path (`links.t1-hue.reservations.video`) → line of
 * its key. Tolerant: it reads as far as the text is valid and returns what it found.
 */
export function pathLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let index = 0;
  let line = 1;

  const skipSpace = (): void => {
    while (index < text.length) {
      const char = text[index];
      if (char === '\n') line += 1;
      else if (char !== ' ' && char !== '\t' && char !== '\r') return;
      index += 1;
    }
  };
  const readString = (): string | null => {
    if (text[index] !== '"') return null;
    let raw = '"';
    index += 1;
    while (index < text.length && text[index] !== '"') {
      if (text[index] === '\\') {
        raw += text[index];
        index += 1;
      }
      if (text[index] === '\n') line += 1;
      raw += text[index] ?? '';
      index += 1;
    }
    if (index >= text.length) return null;
    index += 1;
    try {
      const parsed: unknown = JSON.parse(`${raw}"`);
      return typeof parsed === 'string' ? parsed : null;
    } catch {
      return null;
    }
  };
  /** An object's or array's members after its opening bracket, each read by `member`, through `close`. */
  const readMembers = (close: '}' | ']', member: (item: number) => boolean): boolean => {
    index += 1;
    skipSpace();
    if (text[index] === close) {
      index += 1;
      return true;
    }
    for (let item = 0; ; item += 1) {
      skipSpace();
      if (!member(item)) return false;
      skipSpace();
      if (text[index] === ',') {
        index += 1;
        continue;
      }
      if (text[index] === close) {
        index += 1;
        return true;
      }
      return false;
    }
  };
  const readValue = (path: string, depth: number): boolean => {
    if (depth > 64) return false;
    skipSpace();
    const char = text[index];
    if (char === '{') {
      return readMembers('}', () => {
        const keyLine = line;
        const key = readString();
        if (key === null) return false;
        const childPath = path === '' ? key : `${path}.${key}`;
        lines.set(childPath, keyLine);
        skipSpace();
        if (text[index] !== ':') return false;
        index += 1;
        return readValue(childPath, depth + 1);
      });
    }
    if (char === '[') {
      return readMembers(']', (item) => {
        const childPath = path === '' ? String(item) : `${path}.${item}`;
        lines.set(childPath, line);
        return readValue(childPath, depth + 1);
      });
    }
    if (char === '"') return readString() !== null;
    const literal = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(index, index + 64));
    if (literal === null) return false;
    index += literal[0].length;
    return true;
  };

  readValue('', 0);
  return lines;
}

/** A path as the document names it: the API's `document.` prefix (400 answers) is dropped. */
export function documentPath(path: string): string {
  return path.replace(/^document\./, '').replace(/^\//, '').replace(/\//g, '.');
}

/** The line of `path` in the text, or of its nearest ancestor that is there; null when none is. */
export function lineOfPath(lines: ReadonlyMap<string, number>, path: string): number | null {
  const parts = documentPath(path).split('.');
  while (parts.length > 0) {
    const line = lines.get(parts.join('.'));
    if (line !== undefined) return line;
    parts.pop();
  }
  return null;
}

/** A value of a change, short: JSON, or "—" when absent. */
export function formatChangeValue(value: unknown): string {
  if (value === undefined) return '—';
  return JSON.stringify(value);
}

export type OverrideScope = 'provinces' | 'links';
export type AmountUnit = 'mbps' | 'percent';

/** The document with `scope.id.reservations.class` set to the amount (other keys untouched). */
export function withReservation(
  document: { [key: string]: JsonValue },
  request: { scope: OverrideScope; id: string; serviceClass: 'docex' | 'video'; unit: AmountUnit; value: number },
): { [key: string]: JsonValue } {
  const copy = structuredClone(document);
  const scopeValue = copy[request.scope];
  const scope: { [key: string]: JsonValue } = isObject(scopeValue) ? scopeValue : {};
  const layerValue = scope[request.id];
  const layer: { [key: string]: JsonValue } = isObject(layerValue) ? layerValue : {};
  const reservationsValue = layer['reservations'];
  const reservations: { [key: string]: JsonValue } = isObject(reservationsValue) ? reservationsValue : {};
  reservations[request.serviceClass] = { [request.unit]: request.value };
  layer['reservations'] = reservations;
  scope[request.id] = layer;
  copy[request.scope] = scope;
  return copy;
}

/** The document with an (empty) override layer for a province or link, when it has none. */
export function withLayer(
  document: { [key: string]: JsonValue },
  request: { scope: OverrideScope; id: string },
): { [key: string]: JsonValue } {
  const copy = structuredClone(document);
  const scopeValue = copy[request.scope];
  const scope: { [key: string]: JsonValue } = isObject(scopeValue) ? scopeValue : {};
  if (!isObject(scope[request.id])) scope[request.id] = {};
  copy[request.scope] = scope;
  return copy;
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
