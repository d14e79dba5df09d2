/** ffmpeg/ffprobe behind the MediaTool port, and the rendition recipes the media jobs run with it. */
export { createFfmpegMediaTool, type FfmpegMediaToolOptions } from './ffmpeg-media-tool';
export { fillRecipe, renditionsFor, type Recipe } from './recipes';
export { parseFfmpegMajor, resolveMediaBinaries, type ResolveMediaBinariesOptions } from './resolve-binaries';
