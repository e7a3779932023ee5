/**
 * @module adapters/dicom-net/dcmjs-dimse
 * Loads dcmjs-dimse (a CommonJS bundle) once, with its logging silenced: its log lines carry peer
 * addresses and, at debug level, whole data sets. Also builds the "raw" data sets we hand it, whose
 * encoding is the bytes we already hold, so nothing is decoded or re-encoded on the way out, and
 * encodes the responses we send with our own command-set encoder.
 */
import { createRequire } from "node:module";
import type * as DimseModule from "dcmjs-dimse";
import { encodableCommand, encodeCommandSet } from "../../core/dicom/command-set.ts";

const require = createRequire(import.meta.url);
export const dimse = require("dcmjs-dimse") as typeof DimseModule;
dimse.log.setLevel("silent");

export type Dataset = DimseModule.Dataset;

/**
 * A data set that writes as `bytes` in `transferSyntaxUid`. Its elements cannot be read, so the library
 * cannot transcode it behind our back: a transcoding attempt throws and the instance is not sent.
 */
export function rawDataset(bytes: Uint8Array, transferSyntaxUid: string, sopClassUid: string, sopInstanceUid: string): Dataset {
  const ds = new dimse.Dataset({ SOPClassUID: sopClassUid, SOPInstanceUID: sopInstanceUid }, transferSyntaxUid);
  const keep = { SOPClassUID: sopClassUid, SOPInstanceUID: sopInstanceUid } as Record<string, string>;
  Object.assign(ds, {
    getDenaturalizedDataset: () => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
    getElement: (tag: string) => keep[tag],
    getElements: () => {
      throw new Error("a raw data set is sent as it is, never transcoded");
    },
  });
  return ds;
}

/**
 * Has `response` encode its command set with core/dicom/command-set instead of the library's dcmjs
 * denaturalise-and-write, which cost about a third of a millisecond per C-STORE response (profiled). A
 * command with an element that encoder does not know is left to the library.
 */
export function encodeOwnCommand<R extends { getCommandDataset(): Dataset }>(response: R): R {
  const command = response.getCommandDataset();
  Object.assign(command, {
    getDenaturalizedCommandDataset: function (this: Dataset, ...args: Parameters<Dataset["getDenaturalizedCommandDataset"]>) {
      const elements = this.getElements();
      if (!encodableCommand(elements)) return dimse.Dataset.prototype.getDenaturalizedCommandDataset.apply(this, args);
      const bytes = encodeCommandSet(elements as Record<string, string | number | undefined>);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    },
  });
  return response;
}
