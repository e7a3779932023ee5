/**
 * @module core/dicom/command-set
 * Encodes a DIMSE command set (group 0000, always Implicit VR Little Endian, PS3.7 §6.3.1, E.1) from
 * the few command elements a C-STORE or C-ECHO response carries, Command Group Length first. Only the
 * elements named here are known: a command with any other is the DIMSE library's to encode. Pure.
 */

/** Command elements by dcmjs keyword: tag (element number in group 0000) and VR. */
const COMMAND_ELEMENTS: Readonly<Record<string, { readonly element: number; readonly vr: "UI" | "US" | "LO" | "UL" }>> = {
  AffectedSOPClassUID: { element: 0x0002, vr: "UI" },
  CommandField: { element: 0x0100, vr: "US" },
  MessageIDBeingRespondedTo: { element: 0x0120, vr: "US" },
  CommandDataSetType: { element: 0x0800, vr: "US" },
  Status: { element: 0x0900, vr: "US" },
  ErrorComment: { element: 0x0902, vr: "LO" },
  AffectedSOPInstanceUID: { element: 0x1000, vr: "UI" },
};

/**
 * True when every element is one this module encodes, with one string or number value. An element whose
 * value is undefined is absent (the DIMSE library leaves it out too: a success has no Error Comment).
 */
export function encodableCommand(elements: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(elements).every(([k, v]) => v === undefined || (Object.hasOwn(COMMAND_ELEMENTS, k) && (typeof v === "string" || typeof v === "number")));
}

function element(elementNo: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + value.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0x0000, true);
  view.setUint16(2, elementNo, true);
  view.setUint32(4, value.length, true);
  out.set(value, 8);
  return out;
}

function valueBytes(vr: "UI" | "US" | "LO" | "UL", value: string | number): Uint8Array {
  if (vr === "US" || vr === "UL") {
    const b = new Uint8Array(vr === "US" ? 2 : 4);
    const v = new DataView(b.buffer);
    if (vr === "US") v.setUint16(0, Number(value), true);
    else v.setUint32(0, Number(value), true);
    return b;
  }
  const text = Buffer.from(String(value), vr === "UI" ? "ascii" : "latin1");
  if (text.length % 2 === 0) return text;
  // UI pads with NUL, text VRs with a space (PS3.5 §6.2).
  return Buffer.concat([text, Buffer.from([vr === "UI" ? 0x00 : 0x20])]);
}

/** The command set's bytes: Command Group Length, then the elements in tag order. */
export function encodeCommandSet(elements: Readonly<Record<string, string | number | undefined>>): Uint8Array {
  const parts = Object.entries(elements)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ({ def: COMMAND_ELEMENTS[k]!, v }))
    .sort((a, b) => a.def.element - b.def.element)
    .map(({ def, v }) => element(def.element, valueBytes(def.vr, v)));
  const length = parts.reduce((a, p) => a + p.length, 0);
  return Buffer.concat([element(0x0000, valueBytes("UL", length)), ...parts]);
}
