/** The front door's upload route (ingest-server.ts serves it; http-source.ts names it without loading the server). */
export const IMAGES_PATH = '/v1/images';
