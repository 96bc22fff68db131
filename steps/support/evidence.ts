/** Attachments of this media type carry a failed scenario's evidence; the runner files them. */
export const EVIDENCE_MEDIA_TYPE = 'application/vnd.didcomm-conformance.evidence+json'
