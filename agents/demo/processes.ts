// The demo's child processes. Each child gets a process group of its own (detached), so stopping it
// signals the whole group, anything it started included, and Ctrl-C in the terminal reaches only the
// orchestrator, which then stops the children in order: load first, services (their SDKs flush to the
// agents), agents (they forward what they hold), the hub last. Every child also preloads
// exit-with-parent.js, so it stops by itself if the orchestrator dies without stopping it.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChildSpec {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Where stdout and stderr go: 'pipe' keeps the output in memory, or a file (descriptor and path). */
  output: 'pipe' | { fd: number; path: string };
}

export interface ManagedChild {
  name: string;
  pid: number;
  process: ChildProcess;
  /** The last 64 KiB the child printed; for a child writing to a file, where to look. */
  output(): string;
  /** Resolves with the exit code, or the signal's name, once the child has exited. */
  exited: Promise<number | string>;
  /** SIGTERM to the group; SIGKILL after graceMs; resolves once the child has exited. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL to the group, now. */
  kill(): void;
}

const KEEP_OUTPUT_CHARS = 64 * 1024;
const EXIT_WITH_PARENT = fileURLToPath(new URL('./exit-with-parent.js', import.meta.url));

export function startChild(spec: ChildSpec): ManagedChild {
  // stdin stays a pipe: a child that sees it close knows the orchestrator is gone (exit-with-parent.ts).
  const stdio: StdioOptions = spec.output === 'pipe' ? ['pipe', 'pipe', 'pipe'] : ['pipe', spec.output.fd, spec.output.fd];
  const child = spawn(process.execPath, ['--import', EXIT_WITH_PARENT, ...spec.args], { env: spec.env, stdio, detached: true });
  if (child.pid === undefined) throw new Error(`could not start ${spec.name}`);
  let output = spec.output === 'pipe' ? '' : `(output in ${spec.output.path})`;
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-KEEP_OUTPUT_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const pid = child.pid;
  let exitedYet = false;
  void exited.then(() => (exitedYet = true));
  return {
    name: spec.name,
    pid,
    process: child,
    output: () => output,
    exited,
    async stop(graceMs) {
      if (exitedYet) return;
      signalGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Anything the child left behind in its group goes too.
      signalGroup(pid, 'SIGKILL');
    },
    kill: () => signalGroup(pid, 'SIGKILL'),
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group is already empty.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Waits until `output()` matches or the child exits; throws with the output on exit or timeout. */
export async function waitForOutput(child: ManagedChild, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  let exitedWith: number | string | undefined;
  void child.exited.then((code) => (exitedWith = code));
  for (;;) {
    const match = pattern.exec(child.output());
    if (match) return match;
    if (exitedWith !== undefined) throw new Error(`${child.name} exited (${exitedWith}) while starting:\n${child.output()}`);
    if (Date.now() > deadline) throw new Error(`${child.name} did not start within ${timeoutMs / 1000} s:\n${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
