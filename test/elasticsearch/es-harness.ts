// Starts a real Elasticsearch 8 node for tests and local development. The node is assembled from Maven
// Central jars by the small Maven project in test/elasticsearch/runner (see its pom.xml for what is and is
// not included) and runs as one JVM on loopback, with plain HTTP and no security.
//
// The Maven build runs only when its output is missing or older than its sources; afterwards the node
// starts from target/classes plus the jar paths in target/classpath.txt, without Maven.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ElasticsearchOptions {
  /** HTTP port on 127.0.0.1; 0 (the default) lets the node pick a free one and report it. */
  port?: number;
  /** Node home (data, logs). Default: a new temporary dir, removed by stop(); a given dir is kept. */
  home?: string;
  /** JVM heap, used for both -Xms and -Xmx. Default 512m, or MESHSCOPE_ES_HEAP. */
  heap?: string;
  /** Elasticsearch's root log level. Default warn. */
  logLevel?: string;
}

export interface RunningElasticsearch {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Everything the JVM printed so far, for failure messages. */
  output(): string;
  /** Stops the JVM (SIGTERM, then SIGKILL after 20 s) and removes a temporary home. Idempotent. */
  stop(): Promise<void>;
}

const MAIN_CLASS = 'dev.meshscope.elasticsearch.DevNode';
const READY_LINE = /elasticsearch ready at (http:\/\/\S+)/;
const START_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 20_000;
const BUILD_TIMEOUT_MS = 15 * 60_000;

/**
 * Why Elasticsearch cannot be started here (Java or Maven missing), or undefined when it can.
 * Maven is only needed while the runner is not built yet.
 */
export function elasticsearchUnavailableReason(): string | undefined {
  if (!commandWorks('java', ['-version'])) return 'java is not installed (Debian: apt-get install openjdk-17-jdk-headless)';
  if (!isRunnerBuilt() && !commandWorks('mvn', ['-v'])) return 'mvn is not installed (Debian: apt-get install maven)';
  return undefined;
}

/** Under CI (CI=true, as .ci/run is run) or with MESHSCOPE_REQUIRE_ELASTICSEARCH=1, a missing Java is a failure. */
export function elasticsearchRequired(): boolean {
  return process.env.CI === 'true' || process.env.MESHSCOPE_REQUIRE_ELASTICSEARCH === '1';
}

/**
 * The `skip` option of a test file needing Elasticsearch: false where it can run or is required, else the
 * reason, printed once so a skipped run says why. Such a file starts its node with
 * startElasticsearchForTests().
 */
export function elasticsearchTestSkip(): string | false {
  const unavailable = elasticsearchUnavailableReason();
  if (unavailable === undefined || elasticsearchRequired()) return false;
  const reason = `Elasticsearch tests skipped: ${unavailable}`;
  console.log(reason);
  return reason;
}

/** startElasticsearch(), failing with the reason where Elasticsearch is required but cannot run. */
export async function startElasticsearchForTests(): Promise<RunningElasticsearch> {
  const unavailable = elasticsearchUnavailableReason();
  if (unavailable !== undefined) throw new Error(`Elasticsearch is required here (CI) but ${unavailable}`);
  return startElasticsearch();
}

export async function startElasticsearch(options: ElasticsearchOptions = {}): Promise<RunningElasticsearch> {
  const classpath = await buildRunner();
  const temporaryHome = options.home === undefined;
  const home = options.home ?? mkdtempSync(path.join(tmpdir(), 'meshscope-elasticsearch-'));
  mkdirSync(home, { recursive: true });
  const heap = options.heap ?? process.env.MESHSCOPE_ES_HEAP ?? '512m';
  const args = [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    `-Djava.io.tmpdir=${home}`,
    '-cp',
    classpath,
    MAIN_CLASS,
    '--port',
    String(options.port ?? 0),
    '--home',
    home,
    '--log-level',
    options.logLevel ?? 'warn',
    // Our stdin pipe closes when this process dies, however it dies, and the node then exits by itself.
    '--exit-on-stdin-close',
  ];
  // Its own process group, so stop() reaches anything the JVM might start.
  const child = spawn('java', args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  return await watchStartup(child, () => {
    if (temporaryHome) rmSync(home, { recursive: true, force: true });
  });
}

async function watchStartup(child: ChildProcess, cleanUp: () => void): Promise<RunningElasticsearch> {
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let failedToSpawn = false;
  child.once('error', (error) => {
    failedToSpawn = true;
    output += `${error.message}\n`;
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const hasExited = (): boolean => failedToSpawn || child.exitCode !== null || child.signalCode !== null;
  // Should this process exit without stop(), leave neither a JVM nor a temporary home behind.
  const killOnExit = (): void => {
    signalGroup(child, 'SIGKILL');
    try {
      cleanUp();
    } catch {
      // best effort: the JVM may not have released its files yet
    }
  };
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (!hasExited()) await terminate(child, exited);
      cleanUp();
    })();
    return stopping;
  };
  try {
    const url = await waitForReadyLine(() => output, hasExited);
    await waitForHealth(url);
    return { url, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForReadyLine(output: () => string, hasExited: () => boolean): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const ready = READY_LINE.exec(output());
    if (ready) return ready[1];
    if (hasExited()) throw new Error(`elasticsearch exited during start-up:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`elasticsearch not ready after ${START_TIMEOUT_MS / 1000} s:\n${output()}`);
    await sleep(100);
  }
}

/** The node reports ready only once yellow; this checks the same through HTTP, as any client sees it. */
async function waitForHealth(url: string): Promise<void> {
  const response = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=30s`);
  const health = (await response.json()) as { status?: string };
  if (!response.ok || (health.status !== 'green' && health.status !== 'yellow')) {
    throw new Error(`elasticsearch cluster health is ${JSON.stringify(health)} (HTTP ${response.status})`);
  }
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

// ---- building the runner ----

const RUNNER_DIR = path.join(findRepoRoot(), 'test', 'elasticsearch', 'runner');
const CLASSES_DIR = path.join(RUNNER_DIR, 'target', 'classes');
const CLASSPATH_FILE = path.join(RUNNER_DIR, 'target', 'classpath.txt');
// Maven leaves classpath.txt untouched when its content is unchanged, so its age says nothing: we stamp
// each successful build ourselves.
const BUILD_STAMP = path.join(RUNNER_DIR, 'target', 'meshscope-build.stamp');

let building: Promise<string> | undefined;

/**
 * Builds the runner unless its output is up to date, and returns the Java classpath to start it with.
 * Runs `mvn -B -q package`, which downloads the Elasticsearch jars (about 40 MB) from Maven Central into
 * ~/.m2 on first use. Memoised, so tests in one process build once.
 */
export function buildRunner(): Promise<string> {
  building ??= (async () => {
    if (!isRunnerBuilt()) await runMaven();
    if (!isRunnerBuilt()) throw new Error(`the Maven build in ${RUNNER_DIR} did not produce ${CLASSPATH_FILE}`);
    return [CLASSES_DIR, readFileSync(CLASSPATH_FILE, 'utf8').trim()].join(path.delimiter);
  })();
  building.catch(() => (building = undefined));
  return building;
}

function isRunnerBuilt(): boolean {
  if (!existsSync(BUILD_STAMP) || !existsSync(CLASSPATH_FILE) || !existsSync(CLASSES_DIR)) return false;
  const builtAt = statSync(BUILD_STAMP).mtimeMs;
  const sources = [path.join(RUNNER_DIR, 'pom.xml'), ...filesUnder(path.join(RUNNER_DIR, 'src'))];
  if (sources.some((file) => statSync(file).mtimeMs > builtAt)) return false;
  // ~/.m2 may have been cleaned since the build.
  const jars = readFileSync(CLASSPATH_FILE, 'utf8').trim().split(path.delimiter);
  return jars.every((jar) => existsSync(jar));
}

async function runMaven(): Promise<void> {
  const child = spawn('mvn', ['-B', '-q', 'package'], { cwd: RUNNER_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  }).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`mvn package in ${RUNNER_DIR} failed (exit ${code}):\n${output}`);
  writeFileSync(BUILD_STAMP, `${new Date().toISOString()}\n`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** The folder holding package.json, found from this module whether it runs from dist/ or from source. */
function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'test', 'elasticsearch', 'runner'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

function commandWorks(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  return result.status === 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
