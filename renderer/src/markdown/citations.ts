/**
 * A remark plugin: turns each citation marker `[n]` in the answer's text nodes into a `cite`
 * element that the answer view renders as a Source button. It works on the parsed Markdown
 * tree, so markers inside code stay code. Each marker carries its number and its occurrence
 * among markers of the same number, which pairs it with the core's citations (one per marker,
 * in order).
 */
interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
  data?: { hName?: string; hProperties?: Record<string, string | number>; hChildren?: { type: 'text'; value: string }[] };
}

const MARKER = /\[(\d+)\]/g;

export function remarkCitations() {
  return (tree: MdNode): void => {
    const seen = new Map<number, number>();
    const visit = (node: MdNode): void => {
      if (!node.children) return;
      node.children = node.children.flatMap((child) => {
        if (child.type !== 'text' || !child.value || !child.value.includes('[')) {
          visit(child);
          return [child];
        }
        return split(child.value, seen);
      });
    };
    visit(tree);
  };
}

function split(text: string, seen: Map<number, number>): MdNode[] {
  const out: MdNode[] = [];
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    const n = Number(match[1]);
    if (match.index > last) out.push({ type: 'text', value: text.slice(last, match.index) });
    const occurrence = seen.get(n) ?? 0;
    seen.set(n, occurrence + 1);
    out.push({
      type: 'citation',
      data: { hName: 'cite', hProperties: { dataN: n, dataOccurrence: occurrence }, hChildren: [{ type: 'text', value: match[0] }] },
    });
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push({ type: 'text', value: text.slice(last) });
  return out;
}
