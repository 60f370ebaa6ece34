// A strict little XML well-formedness check for generated documents (the bench SVG): tags nest
// and close, attributes are quoted, only the five predefined entities appear.

const BAD_ENTITY = /&(?!(amp|lt|gt|quot|apos);)/;

/** Throws on the first well-formedness error; returns the root element's name. */
export function checkXml(xml: string): string {
  const s = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  let root = '';
  let i = 0;
  while (i < s.length) {
    const lt = s.indexOf('<', i);
    const text = s.slice(i, lt < 0 ? s.length : lt);
    if (BAD_ENTITY.test(text) || text.includes('>')) throw new Error(`bad text near ${i}: ${text.slice(0, 40)}`);
    if (lt < 0) break;
    const gt = s.indexOf('>', lt);
    if (gt < 0) throw new Error('unclosed tag');
    const tag = s.slice(lt + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      if (stack.pop() !== name) throw new Error(`</${name}> closes the wrong element`);
    } else {
      const selfClose = tag.endsWith('/');
      const m = /^([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*$/.exec(selfClose ? tag.slice(0, -1) : tag);
      if (!m) throw new Error(`bad tag <${tag}>`);
      if (BAD_ENTITY.test(m[2]!)) throw new Error(`bad entity in <${tag}>`);
      if (!root) root = m[1]!;
      else if (stack.length === 0) throw new Error('second root element');
      if (!selfClose) stack.push(m[1]!);
    }
    i = gt + 1;
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('><')}>`);
  return root;
}
