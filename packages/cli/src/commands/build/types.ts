export interface BuildOptions {
  /** Image reference to build (default localhost/vision-flow-<topology>:latest). */
  readonly tag?: string;
  /** Base image, passed as `--build-arg BASE=` (env VF_BASE_IMAGE; default node:20-bookworm-slim). */
  readonly base?: string;
  /** podman or docker (env VF_CONTAINER_ENGINE; default whichever is present). */
  readonly engine?: string;
  /** Write the build context (Dockerfile included) to this folder and do not build. */
  readonly context?: string;
}

export interface BuildResult {
  /** The image built, or the folder written with --context. */
  readonly image?: string;
  readonly contextDir?: string;
  /** Lines for standard error. */
  readonly summary: string[];
  readonly exitCode: number;
}
