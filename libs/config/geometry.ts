/** A face box in source-video pixels: left, top, width, height. Shared by media, vision, pipeline, flow and store. */
export type Box = [x: number, y: number, w: number, h: number];
