/**
 * @module adapters/imaging/dcmjs-pixel-codec
 * The PixelCodec with dcmjs-codecs (its wasm build of libjpeg 8/12/16-bit, CharLS, OpenJPEG, OpenJPH
 * and libjxl): RLE, JPEG baseline/extended/lossless, JPEG-LS, JPEG 2000 and HTJ2K decoded to native
 * samples. Loaded once, on first use.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { DecodedPixels, PixelCodec } from "../../ports/pixel-codec.ts";

interface Transcoder {
  transcode(uid: string): void;
  getElements(): Record<string, unknown>;
}
interface Codecs {
  NativeCodecs: { initializeAsync(o: { webAssemblyModulePathOrUrl: string }): Promise<void> };
  Transcoder: new (buffer: ArrayBuffer) => Transcoder;
}

let loading: Promise<Codecs> | undefined;

function codecs(): Promise<Codecs> {
  loading ??= (async () => {
    // A UMD bundle that requires dcmjs as CommonJS.
    const require = createRequire(import.meta.url);
    const mod = require("dcmjs-codecs") as Codecs;
    await mod.NativeCodecs.initializeAsync({ webAssemblyModulePathOrUrl: join(dirname(require.resolve("dcmjs-codecs")), "dcmjs-native-codecs.wasm") });
    return mod;
  })();
  return loading;
}

export const dcmjsPixelCodec: PixelCodec = {
  async decode(part10: Uint8Array): Promise<DecodedPixels> {
    const { Transcoder } = await codecs();
    try {
      const t = new Transcoder(new Uint8Array(part10).buffer);
      t.transcode("1.2.840.10008.1.2.1");
      const e = t.getElements();
      const frames = e["PixelData"] as ArrayBuffer[] | undefined;
      if (!frames || frames.length === 0) throw new Error("no pixel data after decoding");
      const total = frames.reduce((n, f) => n + f.byteLength, 0);
      const pixels = new Uint8Array(total);
      let at = 0;
      for (const f of frames) {
        pixels.set(new Uint8Array(f), at);
        at += f.byteLength;
      }
      return { pixels, photometric: typeof e["PhotometricInterpretation"] === "string" ? e["PhotometricInterpretation"] : "", planarConfiguration: Number(e["PlanarConfiguration"] ?? 0) };
    } catch (cause) {
      throw new RayvaultError(ErrorCode.PixelsUndecodable, "the compressed pixel data could not be decoded", { cause });
    }
  },
};
