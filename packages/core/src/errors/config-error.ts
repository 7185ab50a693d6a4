import { VisionFlowError, type ErrorContext } from './vision-flow-error.js';

/**
 * A user-supplied option, flag, file or environment value is wrong. The message names the input
 * and says how to fix it; the CLI exits with code 2.
 */
export class ConfigError extends VisionFlowError {
  constructor(message: string, context: ErrorContext = {}, cause?: unknown) {
    super(message, { code: 'CONFIG_INVALID', retriable: false, cause }, context);
  }
}
