/**
 * @module ports/pseudonym-store
 * The re-identification map of 164.514(c): a random pseudonym and date shift per patient, never
 * derived from the patient's identifiers, kept encrypted; and the key under which UIDs are remapped.
 */
import type { PatientPseudonym } from "../core/deid/deidentify-dicom.ts";

export interface PseudonymStore {
  /** The patient's pseudonym, created at random on first sight and kept from then on. */
  pseudonymFor(patientKey: string): PatientPseudonym;
  /** The secret that scopes UID remapping (same key → same output UIDs). */
  uidKey(): Uint8Array;
  /** Persists new entries (encrypted) and releases the store. */
  close(): void;
}
