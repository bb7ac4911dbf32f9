// The part of @cycjimmy/jsmpeg-player (JSMpeg) the console uses; the package ships no types.
declare module '@cycjimmy/jsmpeg-player' {
  interface PlayerOptions {
    canvas?: HTMLCanvasElement | null;
    audio?: boolean;
    autoplay?: boolean;
    pauseWhenHidden?: boolean;
    videoBufferSize?: number;
    /** Subprotocols offered by its WebSocket (`new WebSocket(url, protocols)`). */
    protocols?: string[];
  }
  interface Player {
    destroy(): void;
  }
  const JSMpeg: { Player: new (url: string, options?: PlayerOptions) => Player };
  export default JSMpeg;
}
