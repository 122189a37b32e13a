import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../../main/core/ingest/worker-pool.js';

describe('the flags PDF workers inherit', () => {
  it('keeps module-loading and warning flags, with their values', () => {
    expect(workerExecArgv(['--import', 'tsx', '--conditions=dev', '--no-warnings', '-r', 'ts-node/register'])).toEqual([
      '--import', 'tsx', '--conditions=dev', '--no-warnings', '-r', 'ts-node/register',
    ]);
  });

  it('drops V8 flags, which make a worker refuse to start', () => {
    expect(workerExecArgv(['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', '--stack-size', '2000'])).toEqual(['--import', 'tsx']);
  });
});
