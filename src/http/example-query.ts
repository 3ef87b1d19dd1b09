/** The query GraphiQL opens with: a page of patients with their practitioner and latest vital signs. */
export const exampleQuery = `# A page of patients, each with their GP and most recent vital signs, in one request.
# The gateway batches this into a handful of upstream FHIR calls (see BENCHMARKS.md).
query PatientsWithVitals {
  PatientList(_count: 5, _sort: "family") {
    id
    name { family given }
    birthDate
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
