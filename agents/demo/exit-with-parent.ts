// Preloaded into every demo child (`node --import …/exit-with-parent.js …`): the child's stdin is a pipe
// from the orchestrator, and when that pipe closes the orchestrator is gone (even by SIGKILL, which it
// cannot handle), so the child stops itself the way Ctrl-C would have stopped it, with SIGTERM, rather
// than run on as an orphan holding ports and files.
import { isMainThread } from 'node:worker_threads';

// Worker threads inherit --import, and a worker's stdin is its own (ended) stream, not the pipe.
if (isMainThread) {
  process.stdin.on('close', () => process.kill(process.pid, 'SIGTERM'));
  process.stdin.resume();
}
