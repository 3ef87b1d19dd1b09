/** The query GraphiQL opens with: patients of every source, the same person elsewhere, their GP and latest vitals. */
export const exampleQuery = `# A page of patients merged from every source (sorted by family name), each with
# the source it came from, the same person's records in the other sources, their GP
# and most recent vital signs - in one request. The gateway batches this into a
# handful of upstream FHIR calls per source (see BENCHMARKS.md).
query PatientsWithVitals {
  PatientList(_count: 5, _sort: "family") {
    id
    sourceId
    name { family given }
    birthDate
    sameAs { id sourceId }
    generalPractitioner {
      resource(type: "Practitioner") { ... on Practitioner { name { prefix family } } }
    }
    ObservationList(_reference: subject, category: "vital-signs", _sort: "-date", _count: 3) {
      code { coding { code display } }
      valueQuantity { value unit }
      effectiveDateTime
    }
  }
}
`;
