// @vision-flow/operators: the whole public surface.

// --- Vision
export * from './vision/index.js';

// --- Sources
export { directorySource, type DirectorySourceOptions, type SubmittedImage } from './sources/directory-source.js';

// --- HTTP ingest (the front door) and token verification
export { httpSource, type HttpSourceOptions, type HttpSourceAuth } from './http/http-source.js';
export { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions, type VerifiedToken, type VerifyAt } from './http/auth/token-verifier.js';
export type { TokenAuth } from './http/auth/token-auth.js';
export { verifyToken, UNAUTHORIZED, type VerifyTokenOptions } from './http/verify-token.js';
export { HttpProblem, type ProblemBody } from './http/http-problem.js';

// --- Stream operators
export { collectByKey, type CollectByKeyOptions, type Collected, type CollectedParts, type CollectReason } from './stream/collect-by-key.js';

// --- Sinks
export { jsonLinesSink, jsonReplacer, type JsonLinesSinkOptions } from './sinks/json-lines-sink.js';
export { annotateToFolder, type AnnotateToFolderOptions, type AnnotatableResult } from './sinks/annotate-to-folder.js';
export { webhookSink, type WebhookSinkOptions } from './sinks/webhook/webhook-sink.js';
export { signWebhook, verifyWebhook, SIGNATURE_HEADER, type VerifyOptions } from './sinks/webhook/webhook-signature.js';
export type { WebhookEndpointConfig, WebhookEndpoints } from './sinks/webhook/webhook-endpoints.js';
