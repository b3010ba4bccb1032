import * as fs from 'fs';
import * as path from 'path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'worker_threads';

const WORKER_SCRIPT = path.join(__dirname, 'background-worker.js');

/** The validators that ./background-worker.js can run, and what each needs to start. */
export interface BackgroundTasks {
  readonly 'cloudformation-validate': {
    /** The props of aws-cdk-lib's CloudFormationValidatePlugin, which the thread loads from aws-cdk-lib itself. */
    readonly props: object;
    readonly prewarm: boolean;
  };
  readonly 'control-tower': { readonly validatorModule: string; readonly maxBuffer: number };
}

/**
 * A validator running in a worker thread, so that it uses the second core while the main thread
 * does something else. Validation plugins are synchronous, so the answer is awaited by blocking
 * (Atomics.wait) rather than with a promise.
 *
 * The thread never keeps the process alive, and any failure (the thread does not start, throws,
 * or has not answered by the deadline) comes back as undefined: the caller validates inline.
 */
export class BackgroundTask {
  /** Starts the task's thread, or returns undefined if it cannot be started. */
  static start<T extends keyof BackgroundTasks>(task: T, options: BackgroundTasks[T]): BackgroundTask | undefined {
    if (!fs.existsSync(WORKER_SCRIPT)) return undefined;
    try {
      return new BackgroundTask(task, options);
    } catch {
      return undefined;
    }
  }

  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private stopped = false;

  private constructor(task: string, options: object) {
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(WORKER_SCRIPT, {
      workerData: { task, options, port: port2, signal: this.signal },
      transferList: [port2],
      // Not the app's tsx or jest hooks: the script is plain JavaScript.
      execArgv: [],
    });
    // A thread that fails surfaces as a missing answer; an 'error' event with no listener would
    // crash the app instead.
    this.worker.on('error', () => undefined);
    this.worker.unref();
    this.port = port1;
    this.port.unref();
  }

  /** Sends a job; its answer is read, in order, by `result`. */
  send(job: object): void {
    if (!this.stopped) this.port.postMessage(job);
  }

  /**
   * Blocks until the answer to the oldest unanswered job arrives, for at most `timeoutMs`. On an
   * error or timeout the thread is stopped and the result is undefined.
   */
  result<R>(timeoutMs: number): R | undefined {
    const deadline = Date.now() + timeoutMs;
    while (!this.stopped) {
      // Read the counter before looking at the port: an answer posted in between bumps the counter,
      // and the wait below then returns at once.
      const seen = Atomics.load(this.signal, 0);
      const received = receiveMessageOnPort(this.port) as { message: { result?: R; error?: string } } | undefined;
      if (received) {
        if (received.message.error === undefined) return received.message.result;
        break;
      }
      const left = deadline - Date.now();
      if (left <= 0) break;
      Atomics.wait(this.signal, 0, seen, left);
    }
    this.stop();
    return undefined;
  }

  /** Ends the thread (its result is no longer needed). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.port.close();
    void this.worker.terminate();
  }
}
