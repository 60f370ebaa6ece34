// A re-implementation (not a copy) of the layout of iproute2's streaming JSON writer
// (lib/json_writer.c, iproute2 6.x), so `-j` and `-j -p` output matches byte for byte:
//   compact: [{"mac":"…","flags":["self"],"state":"permanent"},{…}]\n
//   pretty:  [ {\n        "mac": "…",\n        "flags": [ "self" ],\n        …\n    },{\n …\n    } ]\n
// Pretty rules: 4-space indentation per depth; a key starts a new line; arrays open with
// '[ ' and close with ' ]' (empty: '[ ]'); array items are separated by ',' only;
// objects close on their own line; the whole document ends with '\n'.

export type JsonwValue = string | number | boolean | JsonwValue[] | JsonwObject;
/** An object whose keys are written in insertion order (undefined values skipped). */
export interface JsonwObject {
  [key: string]: JsonwValue | undefined;
}

class Writer {
  private out = '';
  private depth = 0;
  private sep = false;

  constructor(private readonly pretty: boolean) {}

  private eol(): void {
    if (!this.pretty) return;
    this.out += '\n' + '    '.repeat(this.depth);
  }

  private eor(): void {
    if (this.sep) this.out += ',';
    this.sep = true;
  }

  private begin(c: string): void {
    this.eor();
    this.out += c;
    this.depth++;
    this.sep = false;
  }

  private end(c: string): void {
    this.depth--;
    if (this.sep) this.eol();
    this.out += c;
    this.sep = true;
  }

  private name(key: string): void {
    this.eor();
    this.eol();
    this.sep = false;
    this.out += quote(key) + (this.pretty ? ': ' : ':');
  }

  private startArray(): void {
    this.begin('[');
    if (this.pretty) this.out += ' ';
  }

  private endArray(): void {
    if (this.pretty && this.sep) this.out += ' ';
    this.sep = false;
    this.end(']');
  }

  value(v: JsonwValue): void {
    if (Array.isArray(v)) {
      this.startArray();
      for (const item of v) this.value(item);
      this.endArray();
    } else if (typeof v === 'object' && v !== null) {
      this.begin('{');
      for (const [k, item] of Object.entries(v)) {
        if (item === undefined) continue;
        this.name(k);
        this.value(item);
      }
      this.end('}');
    } else {
      this.eor();
      if (typeof v === 'string') this.out += quote(v);
      else if (typeof v === 'boolean') this.out += v ? 'true' : 'false';
      else this.out += Number.isFinite(v) ? String(Math.trunc(v)) : '0';
    }
  }

  finish(): string {
    return this.out + '\n';
  }
}

/** JSON string as jsonw_puts writes it: escapes '"', '\\' and the C control escapes
 *  \t \n \r \f \b; everything else verbatim (no \u escapes). */
function quote(s: string): string {
  let r = '"';
  for (const ch of s) {
    switch (ch) {
      case '\t': r += '\\t'; break;
      case '\n': r += '\\n'; break;
      case '\r': r += '\\r'; break;
      case '\f': r += '\\f'; break;
      case '\b': r += '\\b'; break;
      case '\\': r += '\\\\'; break;
      case '"': r += '\\"'; break;
      default: r += ch;
    }
  }
  return r + '"';
}

/** Serialises a top-level array the way iproute2's `new_json_obj` … `delete_json_obj` does.
 *  Numbers are written as integers. */
export function jsonwArray(items: readonly JsonwValue[], pretty: boolean): string {
  const w = new Writer(pretty);
  w.value([...items]);
  return w.finish();
}
