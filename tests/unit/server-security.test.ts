import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAllowedHost, isAllowedOrigin, requestToken, resolveStaticPath, tokenMatches } from '../../main/server/security.js';

const root = path.resolve('/srv/docent/renderer');

describe('static files never leave the UI folder', () => {
  it('maps paths inside the folder', () => {
    expect(resolveStaticPath(root, '/')).toBe(path.join(root, 'index.html'));
    expect(resolveStaticPath(root, '/assets/app.js?v=1')).toBe(path.join(root, 'assets/app.js'));
  });
  it('refuses traversal, encoded traversal, backslashes, NUL and malformed escapes', () => {
    for (const attempt of ['/../package.json', '/%2e%2e/%2e%2e/etc/passwd', '/assets/../../secret', '/..%5c..%5csecret', '/a%00.js', '/%E0%A4%A', '/..']) {
      expect(resolveStaticPath(root, attempt), attempt).toBeNull();
    }
  });
});

describe('only our own loopback page with the token gets in', () => {
  it('checks Host and Origin', () => {
    expect(isAllowedHost('127.0.0.1:4000', 4000)).toBe(true);
    expect(isAllowedHost('localhost:4000', 4000)).toBe(true);
    expect(isAllowedHost('evil.example:4000', 4000)).toBe(false);
    expect(isAllowedHost(undefined, 4000)).toBe(false);
    expect(isAllowedOrigin(undefined, 4000)).toBe(true);
    expect(isAllowedOrigin('http://127.0.0.1:4000', 4000)).toBe(true);
    expect(isAllowedOrigin('http://evil.example', 4000)).toBe(false);
  });
  it('reads the token from the header or the query and compares it exactly', () => {
    expect(requestToken('Bearer abc', new URL('http://x/api/a'))).toBe('abc');
    expect(requestToken(undefined, new URL('http://x/api/events?token=def'))).toBe('def');
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abd', 'abc')).toBe(false);
    expect(tokenMatches('ab', 'abc')).toBe(false);
    expect(tokenMatches(null, 'abc')).toBe(false);
  });
});
