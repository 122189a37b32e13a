import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../fixtures/paths.js';

/** DESIGN.md's import rules are enforced by lint: each forbidden import is an error. */
const eslint = new ESLint({ cwd: REPO_ROOT });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules', () => {
  it('keeps electron and the doors out of main/core', async () => {
    expect(await restricted('main/core/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await restricted('main/core/x.ts', "import { main } from '../cli/main.js';\nexport const a = main;\n")).toHaveLength(1);
    expect(await restricted('main/core/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(0);
  });

  it('lets preload/contract import only zod and itself', async () => {
    expect(await restricted('preload/contract/x.ts', "import { z } from 'zod';\nimport { ok } from './errors.js';\nexport const a = [z, ok];\n")).toHaveLength(0);
    expect(await restricted('preload/contract/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(1);
    expect(await restricted('preload/contract/x.ts', "import { createCore } from '../../main/core/index.js';\nexport const a = createCore;\n")).toHaveLength(1);
  });

  it('keeps main/ and Node out of the renderer', async () => {
    expect(await restricted('renderer/x.ts', "import { createCore } from '../main/core/index.js';\nexport const a = createCore;\n")).toHaveLength(1);
    expect(await restricted('renderer/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(1);
    expect(await restricted('renderer/x.ts', "import type { DocentApi } from '../preload/contract/index.js';\nexport type A = DocentApi;\n")).toHaveLength(0);
  });
});
