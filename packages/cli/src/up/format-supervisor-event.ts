import { formatDuration } from './format-duration.js';
import type { SupervisorEvent } from './supervisor-event.js';

const how = (code: number | null, signal: string | null) => (signal !== null ? `signal ${signal}` : code !== null ? `exit code ${code}` : 'no exit status');

/** One line per supervisor event, as `up` prints it after its `up | ` prefix. */
export function formatSupervisorEvent(e: SupervisorEvent): string {
  switch (e.type) {
    case 'started':
      return `${e.name} started${e.pid !== undefined ? ` (pid ${e.pid})` : ''}${e.restarts > 0 ? `, restart ${e.restarts}` : ''}`;
    case 'launch-failed':
      return `${e.name} could not be started: ${e.error}`;
    case 'done':
      return `${e.name} finished (exit code 0 after ${formatDuration(e.uptimeMs)}); not restarted`;
    case 'crashed':
      return `${e.name} crashed (${how(e.code, e.signal)}) after ${formatDuration(e.uptimeMs)}; ${e.crashesInWindow} crash${e.crashesInWindow === 1 ? '' : 'es'} in the restart window`;
    case 'restarting':
      return `${e.name} restarting in ${formatDuration(e.delayMs)} (restart ${e.restart})`;
    case 'gave-up':
      return `${e.name} gave up: ${e.crashes} crashes within ${formatDuration(e.windowMs)}; ${e.stoppingAll ? 'stopping every node (--on-give-up stop-all)' : 'marked failed, the other nodes keep running'}`;
    case 'stopping':
      return `stopping ${e.running} node${e.running === 1 ? '' : 's'} (${e.reason}): SIGTERM, SIGKILL after ${formatDuration(e.timeoutMs)}`;
    case 'killing':
      return `${e.name} still running ${formatDuration(e.afterMs)} after SIGTERM: SIGKILL`;
    case 'stopped':
      return `${e.name} stopped (${how(e.code, e.signal)})`;
  }
}
