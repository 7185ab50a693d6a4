/** What `up`'s supervisor reports, one event per change of a node's life; printed by formatSupervisorEvent. */
export type SupervisorEvent =
  | { readonly type: 'started'; readonly name: string; readonly pid: number | undefined; readonly restarts: number }
  | { readonly type: 'launch-failed'; readonly name: string; readonly error: string }
  /** Exit code 0 on its own: a bounded source that drained. Not restarted. */
  | { readonly type: 'done'; readonly name: string; readonly uptimeMs: number }
  | { readonly type: 'crashed'; readonly name: string; readonly code: number | null; readonly signal: string | null; readonly uptimeMs: number; readonly crashesInWindow: number }
  | { readonly type: 'restarting'; readonly name: string; readonly delayMs: number; readonly restart: number }
  | { readonly type: 'gave-up'; readonly name: string; readonly crashes: number; readonly windowMs: number; readonly stoppingAll: boolean }
  | { readonly type: 'stopping'; readonly reason: string; readonly running: number; readonly timeoutMs: number }
  /** SIGTERM was not enough within the stop timeout. */
  | { readonly type: 'killing'; readonly name: string; readonly afterMs: number }
  | { readonly type: 'stopped'; readonly name: string; readonly code: number | null; readonly signal: string | null };
