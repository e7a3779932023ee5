/**
 * @module adapters/imaging/dcmjs-pixel-codec
 * The PixelCodec with dcmjs-codecs (its wasm build of libjpeg 8/12/16-bit, CharLS, OpenJPEG, OpenJPH
 * and libjxl): RLE, JPEG baseline/extended/lossless, JPEG-LS, JPEG 2000 and HTJ2K decoded to native
 * samples. Loaded once, on first use.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { PixelLayout } from "../../core/pixels/pixel-data.ts";
import type { DecodedPixels, PixelCodec } from "../../ports/pixel-codec.ts";

interface Transcoder {
  transcode(uid: string): void;
  getElements(): Record<string, unknown>;
}
interface Codecs {
  NativeCodecs: { initializeAsync(o: { webAssemblyModulePathOrUrl: string }): Promise<void> };
  Transcoder: new (bufferOrElements: ArrayBuffer | Record<string, unknown>, transferSyntaxUid?: string) => Transcoder;
}

/** Lossless transfer syntaxes dcmjs-codecs encodes: RLE, JPEG lossless SV1, JPEG-LS lossless, J2K lossless, HTJ2K lossless (two), JPEG-XL lossless. */
const LOSSLESS_ENCODABLE: ReadonlySet<string> = new Set([
  "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.110",
]);

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
  async encodeLossless(pixels: Uint8Array, g: PixelLayout, transferSyntaxUid: string) {
    if (!LOSSLESS_ENCODABLE.has(transferSyntaxUid)) return undefined;
    const { Transcoder } = await codecs();
    try {
      const t = new Transcoder({
        Rows: g.rows, Columns: g.columns, SamplesPerPixel: g.samplesPerPixel, BitsAllocated: g.bitsAllocated, BitsStored: g.bitsStored, HighBit: g.bitsStored - 1,
        PixelRepresentation: g.signed ? 1 : 0, PhotometricInterpretation: g.photometric, NumberOfFrames: String(g.frames),
        ...(g.samplesPerPixel > 1 ? { PlanarConfiguration: g.planarConfiguration } : {}),
        PixelData: [pixels.slice().buffer],
      }, "1.2.840.10008.1.2.1");
      t.transcode(transferSyntaxUid);
      const e = t.getElements();
      const frames = (e["PixelData"] as ArrayBuffer[]).map((f) => new Uint8Array(f));
      return { frames, photometric: typeof e["PhotometricInterpretation"] === "string" ? e["PhotometricInterpretation"] : g.photometric };
    } catch (cause) {
      throw new RayvaultError(ErrorCode.PixelsUndecodable, "the cleaned pixels could not be encoded again", { cause });
    }
  },
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
