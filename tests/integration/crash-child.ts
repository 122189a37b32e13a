/**
 * Ingests a file and kills its own process (SIGKILL: no cleanup, like a crash or power loss)
 * once `killAfterPages` pages are committed. Used by resume.test.ts.
 */
import { createCore } from '../../main/core/index.js';

const [dbPath, modelPath, file, killAfterPages] = process.argv.slice(2);
const core = createCore({ dbPath: dbPath!, embeddingModelPath: modelPath!, workerThreads: 2, ingest: { pagesPerBatch: 4 } });
core.on('ingest:progress', (event) => {
  if (event.pagesDone >= Number(killAfterPages)) process.kill(process.pid, 'SIGKILL');
});
const started = await core.ingest({ paths: [file!] });
if (!started.ok) throw new Error(started.error.message);
await core.waitForIngest(started.value.jobId);
process.stdout.write('finished without being killed\n');
