// Small built-in vocabularies for the synthetic demo data: names, places, and clinical codes.
// Codes are real LOINC / SNOMED CT / RxNorm codes with their usual displays.

export const FAMILY_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Nguyen', 'Hill', 'Flores', 'Green',
  'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Kowalski',
] as const;

export const MALE_GIVEN = [
  'James', 'Robert', 'John', 'Michael', 'David', 'William', 'Richard', 'Joseph', 'Thomas', 'Carlos',
  'Daniel', 'Matthew', 'Anthony', 'Mark', 'Steven', 'Paul', 'Andrew', 'Joshua', 'Kenji', 'Omar',
  'Ethan', 'Noah', 'Liam', 'Lucas', 'Mateo', 'Samuel', 'Henry', 'Arjun', 'Leo', 'Victor',
] as const;

export const FEMALE_GIVEN = [
  'Mary', 'Patricia', 'Jennifer', 'Linda', 'Elizabeth', 'Barbara', 'Susan', 'Jessica', 'Sarah', 'Karen',
  'Lisa', 'Nancy', 'Sofia', 'Emily', 'Emma', 'Olivia', 'Ava', 'Isabella', 'Mia', 'Amelia',
  'Harper', 'Grace', 'Chloe', 'Priya', 'Yuki', 'Fatima', 'Elena', 'Hannah', 'Laura', 'Rosa',
] as const;

export const STREETS = [
  'Main St', 'Oak Ave', 'Maple Dr', 'Cedar Ln', 'Pine St', 'Elm St', 'Washington Ave', 'Lake Rd',
  'Hill St', 'Park Ave', 'River Rd', 'Sunset Blvd', 'Church St', 'Highland Ave', 'Mill Rd', 'Spring St',
] as const;

export const CITIES: readonly { city: string; state: string; zip: string }[] = [
  { city: 'Springfield', state: 'MA', zip: '01103' },
  { city: 'Worcester', state: 'MA', zip: '01608' },
  { city: 'Boston', state: 'MA', zip: '02118' },
  { city: 'Providence', state: 'RI', zip: '02903' },
  { city: 'Hartford', state: 'CT', zip: '06103' },
  { city: 'Albany', state: 'NY', zip: '12207' },
  { city: 'Burlington', state: 'VT', zip: '05401' },
  { city: 'Portland', state: 'ME', zip: '04101' },
];

export const ORGANIZATION_NAMES = [
  'Riverside General Hospital', 'Maple Valley Clinic', 'St. Anne Medical Center', 'Lakeside Family Practice',
  'Northgate Community Health', 'Harbor View Hospital', 'Cedar Hills Medical Group', 'Summit Regional Health',
] as const;

export interface VitalSign {
  loinc: string;
  display: string;
  unit: string;
  ucum: string;
  min: number;
  max: number;
  decimals: number;
}

export const VITAL_SIGNS: readonly VitalSign[] = [
  { loinc: '8867-4', display: 'Heart rate', unit: '/min', ucum: '/min', min: 52, max: 110, decimals: 0 },
  { loinc: '8480-6', display: 'Systolic blood pressure', unit: 'mmHg', ucum: 'mm[Hg]', min: 98, max: 172, decimals: 0 },
  { loinc: '8462-4', display: 'Diastolic blood pressure', unit: 'mmHg', ucum: 'mm[Hg]', min: 58, max: 104, decimals: 0 },
  { loinc: '29463-7', display: 'Body weight', unit: 'kg', ucum: 'kg', min: 48, max: 118, decimals: 1 },
  { loinc: '8302-2', display: 'Body height', unit: 'cm', ucum: 'cm', min: 150, max: 196, decimals: 1 },
  { loinc: '8310-5', display: 'Body temperature', unit: 'Cel', ucum: 'Cel', min: 36.1, max: 38.4, decimals: 1 },
  { loinc: '9279-1', display: 'Respiratory rate', unit: '/min', ucum: '/min', min: 12, max: 22, decimals: 0 },
];

export const CONDITIONS: readonly { code: string; display: string }[] = [
  { code: '38341003', display: 'Hypertensive disorder, systemic arterial (disorder)' },
  { code: '44054006', display: 'Diabetes mellitus type 2 (disorder)' },
  { code: '195967001', display: 'Asthma (disorder)' },
  { code: '55822004', display: 'Hyperlipidemia (disorder)' },
  { code: '35489007', display: 'Depressive disorder (disorder)' },
  { code: '13645005', display: 'Chronic obstructive lung disease (disorder)' },
  { code: '49436004', display: 'Atrial fibrillation (disorder)' },
  { code: '396275006', display: 'Osteoarthritis (disorder)' },
  { code: '40055000', display: 'Chronic sinusitis (disorder)' },
  { code: '40930008', display: 'Hypothyroidism (disorder)' },
  { code: '197480006', display: 'Anxiety disorder (disorder)' },
  { code: '271737000', display: 'Anemia (disorder)' },
];

export const MEDICATIONS: readonly { code: string; display: string; dosage: string }[] = [
  { code: '197361', display: 'amlodipine 5 MG Oral Tablet', dosage: 'Take 1 tablet by mouth once daily' },
  { code: '314076', display: 'lisinopril 10 MG Oral Tablet', dosage: 'Take 1 tablet by mouth once daily' },
  { code: '860975', display: '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet', dosage: 'Take 1 tablet by mouth with the evening meal' },
  { code: '259255', display: 'atorvastatin 80 MG Oral Tablet', dosage: 'Take 1 tablet by mouth at bedtime' },
  { code: '312961', display: 'simvastatin 20 MG Oral Tablet', dosage: 'Take 1 tablet by mouth in the evening' },
  { code: '745679', display: '200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler', dosage: 'Inhale 2 puffs every 4 to 6 hours as needed' },
  { code: '895994', display: '120 ACTUAT fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler', dosage: 'Inhale 2 puffs twice daily' },
  { code: '966222', display: 'levothyroxine sodium 0.075 MG Oral Tablet', dosage: 'Take 1 tablet by mouth every morning before breakfast' },
  { code: '310965', display: 'ibuprofen 200 MG Oral Tablet', dosage: 'Take 1 to 2 tablets by mouth every 6 hours as needed for pain' },
  { code: '313782', display: 'acetaminophen 325 MG Oral Tablet', dosage: 'Take 2 tablets by mouth every 6 hours as needed' },
];

type Code = { readonly code: string; readonly display: string };
export const ENCOUNTER_TYPES: { readonly AMB: readonly Code[]; readonly IMP: readonly Code[] } = {
  AMB: [
    { code: '185349003', display: 'Encounter for check up (procedure)' },
    { code: '390906007', display: 'Follow-up encounter (procedure)' },
    { code: '185345009', display: 'Encounter for symptom (procedure)' },
  ],
  IMP: [
    { code: '183452005', display: 'Emergency hospital admission (procedure)' },
    { code: '32485007', display: 'Hospital admission (procedure)' },
  ],
};
