/** Local types for the part of dcmjs 0.52 the tests use (dcmjs ships none). */
declare module "dcmjs" {
  interface DicomElementJson {
    vr: string;
    Value?: unknown[];
    InlineBinary?: string;
  }
  interface DicomDict {
    meta: Record<string, DicomElementJson>;
    dict: Record<string, DicomElementJson>;
  }
  const dcmjs: {
    data: {
      DicomMessage: { readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string }): DicomDict };
      DicomMetaDictionary: { naturalizeDataset(dict: Record<string, DicomElementJson>): Record<string, unknown> };
    };
  };
  export default dcmjs;
}
