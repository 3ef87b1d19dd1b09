import SchemaBuilder from '@pothos/core';
import type { GatewayContext } from './context.ts';

/** The Pothos builder type shared by the schema generators. Shapes are plain FHIR JSON. */
export type Builder = PothosSchemaTypes.SchemaBuilder<
  PothosSchemaTypes.ExtendDefaultTypes<{ Context: GatewayContext; DefaultFieldNullability: true }>
>;

export function createBuilder(): Builder {
  return new SchemaBuilder<{ Context: GatewayContext; DefaultFieldNullability: true }>({});
}
