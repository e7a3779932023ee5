/**
 * @module core/dicom/ae-title
 * What an Application Entity title may be (PS3.5 6.2, VR AE): 1–16 characters of the default
 * repertoire, no backslash or control characters, not all spaces (and here: no surrounding spaces).
 */
export function isAeTitle(v: string): boolean {
  return /^[ -[\]-~]{1,16}$/.test(v) && v.trim() !== "" && v === v.trim();
}
