/**
 * Finds the cited sentence among the text layer's items and returns the indexes of the items
 * it covers. The core's page text and pdf.js's text items differ in spacing, so both sides are
 * compared without whitespace and case. Returns [] when the sentence is not found.
 */
export function itemsCovering(items: readonly string[], quote: string): number[] {
  const owner: number[] = [];
  let haystack = '';
  items.forEach((item, index) => {
    for (const ch of item.toLowerCase()) {
      if (/\s/.test(ch)) continue;
      haystack += ch;
      owner.push(index);
    }
  });
  const needle = quote.toLowerCase().replace(/\s+/g, '');
  if (!needle) return [];
  // A sentence split by a hyphenated line break may not match whole; its opening still places it.
  for (const candidate of [needle, needle.slice(0, 80), needle.slice(-80)]) {
    const at = haystack.indexOf(candidate);
    if (candidate.length >= 12 && at >= 0) {
      const first = owner[at]!;
      const last = owner[at + candidate.length - 1]!;
      return Array.from({ length: last - first + 1 }, (_, i) => first + i).filter((i) => items[i]!.trim() !== '');
    }
  }
  return [];
}
