import { ConfigError } from '@vision-flow/core';

/**
 * How `up`'s supervisor treats a node that ends (Erlang's restart intensity, Kubernetes'
 * CrashLoopBackOff, systemd's StartLimitBurst): restart a crashed node after a growing delay, and
 * give up on it after too many crashes in a short time, when restarting clearly does not help.
 */
export interface SupervisionPolicy {
  /** Delay before the first restart; doubles with each crash in the window. */
  readonly initialBackoffMs: number;
  /** The delay never grows beyond this. */
  readonly maxBackoffMs: number;
  /** Give up on a node that crashed more than this many times within `windowMs`. */
  readonly maxRestarts: number;
  readonly windowMs: number;
  /**
   * After giving up: `fail-node` marks that node failed and keeps the others running (what systemd
   * does with a unit past its start limit, and Kubernetes with a crash-looping pod); `stop-all`
   * stops everything (Erlang's one_for_all supervisor escalating).
   */
  readonly onGiveUp: 'fail-node' | 'stop-all';
  /** How long a node gets to stop after SIGTERM before SIGKILL. */
  readonly stopTimeoutMs: number;
}

/** 1 s, 2 s, 4 s, ... up to 30 s; a node crashing a 6th time within 60 s is given up. */
export const DEFAULT_SUPERVISION: SupervisionPolicy = {
  initialBackoffMs: 1_000,
  maxBackoffMs: 30_000,
  maxRestarts: 5,
  windowMs: 60_000,
  onGiveUp: 'fail-node',
  stopTimeoutMs: 30_000,
};

/** Checks a policy eagerly, so a bad flag fails before any node starts (durations are checked by toMillis). */
export function checkSupervisionPolicy(p: SupervisionPolicy): SupervisionPolicy {
  if (!Number.isInteger(p.maxRestarts) || p.maxRestarts < 0) {
    throw new ConfigError(`--max-restarts must be a whole number of 0 or more (0: never restart), got ${p.maxRestarts}`, { option: 'maxRestarts' });
  }
  if (p.maxBackoffMs < p.initialBackoffMs) {
    throw new ConfigError(`--max-backoff (${p.maxBackoffMs} ms) must not be below --backoff (${p.initialBackoffMs} ms)`, { option: 'maxBackoff' });
  }
  return p;
}
