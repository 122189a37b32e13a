import { describe, expect, it } from 'vitest';
import { terminalSafe } from '../../main/cli/common.js';

describe('text written to a terminal', () => {
  it('drops control characters a model or a PDF could use to steer the terminal, keeping lines and tabs', () => {
    expect(terminalSafe('red \u001b[31mtext\u001b[0m, title \u001b]0;pwned\u0007')).toBe('red [31mtext[0m, title ]0;pwned');
    expect(terminalSafe('safe line\rfake line')).toBe('safe linefake line');
    expect(terminalSafe('a\r\nb\n\tc \u009b2J \u0000')).toBe('a\nb\n\tc 2J ');
    expect(terminalSafe('Ünïcode — “quotes” 日本語 [1]')).toBe('Ünïcode — “quotes” 日本語 [1]');
  });
});
