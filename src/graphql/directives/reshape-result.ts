import {
  type GraphQLError,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isListType,
  isObjectType,
  TypeNameMetaFieldDef,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type SelectionSetNode,
} from 'graphql';
import type { DirectivePlan } from './directive-plan.ts';
import { directiveError } from './directive-errors.ts';
import type { FieldGroup } from './field-groups.ts';
import { RUNTIME_TYPE_KEY } from './runtime-types.ts';
import { responsePathKey, type SliceSource } from './slice-sources.ts';
import type { SliceValues } from './slice-values.ts';

type Json = Record<string, unknown>;
type Path = readonly (string | number)[];

/** Where values of the current selection set go. */
interface Context {
  /** Under a @flatten (the values are collated into keys of an ancestor object), not a GraphQL object's own field. */
  readonly collated: boolean;
  /** Under a @flatten of a repeating element (and no @first): the children become lists. */
  readonly list: boolean;
  /** Accumulated @slice suffixes ('.official', '.0.home'). */
  readonly suffix: string;
}

/** One output key and what was collated into it. */
interface Slot {
  readonly type: string;
  readonly values: unknown[];
  list: boolean;
  singleton: boolean;
  contributions: number;
  /** The value of a plain GraphQL field (no collation): output exactly, nulls included. */
  raw?: { readonly value: unknown };
  path: Path;
}

const NORMAL: Context = { collated: false, list: false, suffix: '' };

/**
 * Applies @flatten, @first, @singleton and @slice to an execution result's data, walking the operation's selection
 * sets (fragments, aliases, @skip/@include) alongside the data, as the HL7 FHIR GraphQL page describes them:
 *
 * - `@flatten`: the field is not in the output; its children are added to the parent in its place. Under a repeating
 *   element (without @first) the children become lists — values of all items collected, lists concatenated, nulls
 *   dropped, keys without any value left out. Children of several flattened fields with the same name are collated
 *   into one key (a list), and must have the same type.
 * - `@first`: only the first element of a list, as a single value (under a repeating @flatten: the first of each item).
 * - `@singleton`: one value, not a list; more than one is a NOT_SINGLETON error.
 * - `@slice(path:)`: each item goes under the key plus "." and the string value of the FHIRPath `path` on the item
 *   (`$index`: its position); with @flatten the suffix goes to the children's keys. Suffixes accumulate when nested.
 *   The FHIRPath values are computed before, off the event loop (`evaluateSlices` in slice-values.ts, by the same
 *   response path keys as `sliceSources`); this function is synchronous.
 *
 * Returns the new data, or errors (then the response's data is null).
 */
export function reshapeData(
  plan: DirectivePlan,
  data: Json,
  sliceSources: ReadonlyMap<string, SliceSource> | undefined,
  sliceValues?: ReadonlyMap<string, SliceValues>,
): { data: Json } | { errors: GraphQLError[] } {
  const reshaper = new Reshaper(plan, sliceSources, sliceValues);
  const out = reshaper.object(data, plan.rootType, [plan.operation.selectionSet], []);
  const errors = [...plan.groups.errors, ...reshaper.errors.values()];
  return errors.length > 0 ? { errors } : { data: out };
}

class Reshaper {
  /** By message, so that the same mistake on 100 items is reported once. */
  readonly errors = new Map<string, GraphQLError>();

  private readonly plan: DirectivePlan;
  private readonly sliceSources: ReadonlyMap<string, SliceSource> | undefined;
  private readonly sliceValues: ReadonlyMap<string, SliceValues> | undefined;

  constructor(plan: DirectivePlan, sliceSources: ReadonlyMap<string, SliceSource> | undefined, sliceValues: ReadonlyMap<string, SliceValues> | undefined) {
    this.plan = plan;
    this.sliceSources = sliceSources;
    this.sliceValues = sliceValues;
  }

  /** A GraphQL object of the response, rebuilt from its selection sets. */
  object(data: Json, type: GraphQLObjectType | undefined, sets: readonly SelectionSetNode[], path: Path): Json {
    const slots = new Map<string, Slot>();
    this.fill(data, type, sets, NORMAL, path, slots);
    return this.finish(slots);
  }

  private fill(data: Json, type: GraphQLObjectType | undefined, sets: readonly SelectionSetNode[], ctx: Context, path: Path, slots: Map<string, Slot>): void {
    for (const group of this.plan.groups.groups(sets, type)) {
      if (!(group.key in data)) continue; // not executed (e.g. @skip), or lost with a failed parent
      this.field(data[group.key], group, type, ctx, [...path, group.key], slots);
    }
  }

  private field(value: unknown, group: FieldGroup, parentType: GraphQLObjectType | undefined, ctx: Context, path: Path, slots: Map<string, Slot>): void {
    const def = group.name === '__typename' ? TypeNameMetaFieldDef : parentType?.getFields()[group.name];
    const d = group.directives;
    if (!def) {
      // introspection (__schema, __type) or an object of unknown type: as it is
      const values = ctx.collated ? (value === null || value === undefined ? [] : [value]) : value;
      this.add(slots, group.key + ctx.suffix, '', ctx, false, false, values, path);
      return;
    }
    const fieldType = getNullableType(def.type);
    const isList = isListType(fieldType);
    const named = getNamedType(fieldType);
    const plain = !d.flatten && !d.first && !d.singleton && d.slice === undefined;
    // objects are rebuilt where directives are used below, and where runtime-types.ts added its __typename
    const rebuild = isCompositeType(named) && (group.deep || (isAbstractType(named) && !plain));
    const convert = (item: unknown, itemPath: Path): unknown =>
      rebuild && item !== null && typeof item === 'object' ? this.object(item as Json, this.runtimeType(named, item as Json), group.subSets, itemPath) : item;

    if (plain && !ctx.collated) {
      // an ordinary field of a GraphQL object: exactly as executed, sub-selections reshaped where they use directives
      const out = isList && Array.isArray(value) ? value.map((item, i) => convert(item, [...path, i])) : convert(value, path);
      this.add(slots, group.key, named.name, ctx, isList, false, out, path, true);
      return;
    }

    // the items this field contributes: a list's (the first only, with @first), or the one value
    const all = isList ? (Array.isArray(value) ? value : []) : value === null || value === undefined ? [] : [value];
    const items = d.first ? all.slice(0, 1) : all;
    const repeating = isList && !d.first;
    const itemPath = (i: number): Path => (isList ? [...path, i] : path);

    if (d.flatten) {
      const childType = (item: Json) => this.runtimeType(named, item);
      items.forEach((item, i) => {
        if (item === null || typeof item !== 'object') return;
        const suffix = d.slice === undefined ? ctx.suffix : `${ctx.suffix}.${this.sliceValue(d.slice, group, path, i)}`;
        const child: Context = { collated: true, list: ctx.list || repeating, suffix };
        this.fill(item as Json, childType(item as Json), group.subSets, child, itemPath(i), slots);
      });
      return;
    }

    const list = ctx.list || repeating;
    if (d.slice !== undefined) {
      items.forEach((item, i) => {
        if (item === null || item === undefined) return;
        const key = `${group.key}${ctx.suffix}.${this.sliceValue(d.slice!, group, path, i)}`;
        this.add(slots, key, named.name, { ...ctx, collated: true }, list, d.singleton, [convert(item, itemPath(i))], itemPath(i));
      });
      return;
    }

    if (!ctx.collated) {
      // @first / @singleton on a field of a GraphQL object: one value or null, as GraphQL would give it
      if (d.singleton && items.length > 1) this.singletonError(group.key, path);
      const one = isList ? (items[0] ?? null) : value;
      this.add(slots, group.key, named.name, ctx, false, false, convert(one, itemPath(0)), path, true);
      return;
    }
    const values = items.flatMap((item, i) => (item === null || item === undefined ? [] : [convert(item, itemPath(i))]));
    this.add(slots, group.key + ctx.suffix, named.name, ctx, list, d.singleton, values, path);
  }

  /**
   * Adds a field's values to an output key. `raw`: the exact value of a plain field of a GraphQL object (kept as is
   * unless something else is collated into the same key); otherwise `values` are collected.
   */
  private add(slots: Map<string, Slot>, key: string, type: string, ctx: Context, list: boolean, singleton: boolean, values: unknown, path: Path, raw = !ctx.collated): void {
    const collected = raw ? (Array.isArray(values) ? values : [values]).filter((v) => v !== null && v !== undefined) : (values as unknown[]);
    let slot = slots.get(key);
    if (!slot) {
      slot = { type, values: [], list: false, singleton: false, contributions: 0, path, ...(raw ? { raw: { value: values } } : {}) };
      slots.set(key, slot);
    } else if (slot.type !== type && type !== '' && slot.type !== '') {
      this.fail(directiveError('BAD_USER_INPUT', `@flatten collates '${key}' from fields of different types (${slot.type} and ${type})`, undefined, path));
    }
    slot.values.push(...collected);
    slot.list ||= list;
    slot.singleton ||= singleton;
    slot.contributions += 1;
    slot.path = path;
  }

  private finish(slots: Map<string, Slot>): Json {
    const out: Json = {};
    for (const [key, slot] of slots) {
      if (slot.contributions === 1 && slot.raw) {
        out[key] = slot.raw.value;
      } else if (slot.singleton) {
        if (slot.values.length > 1) this.singletonError(key, slot.path);
        if (slot.values.length > 0) out[key] = slot.values[0];
      } else if (slot.list || slot.contributions > 1) {
        if (slot.values.length > 0) out[key] = slot.values;
      } else if (slot.values.length > 0) {
        out[key] = slot.values[0];
      }
    }
    return out;
  }

  private runtimeType(named: GraphQLNamedType, item: Json): GraphQLObjectType | undefined {
    if (isObjectType(named)) return named;
    if (!isAbstractType(named)) return undefined;
    const name = item[RUNTIME_TYPE_KEY];
    const type = typeof name === 'string' ? this.plan.groups.schema.getType(name) : undefined;
    return isObjectType(type) ? type : undefined;
  }

  /** The @slice suffix of item `index` of the field at `path`: '$index', or the FHIRPath value on its FHIR data. */
  private sliceValue(expression: string, group: FieldGroup, path: Path, index: number): string {
    if (expression === '$index') return String(index);
    const key = responsePathKey(path);
    const source = this.sliceSources?.get(key);
    const evaluated = source?.expression === expression ? this.sliceValues?.get(key) : undefined;
    if (!source || !evaluated || index >= source.items.length) {
      this.fail(
        directiveError(
          'BAD_USER_INPUT',
          `@slice(path: ${JSON.stringify(expression)}) on '${group.key}': a FHIRPath slice works on FHIR elements and XList search results; use "$index" here`,
          group.nodes,
          path,
        ),
      );
      return String(index);
    }
    if ('error' in evaluated) {
      this.fail(directiveError(evaluated.error.code, evaluated.error.message, group.nodes, path));
      return String(index);
    }
    const result = evaluated.values[index] ?? [];
    if (!result.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
      this.fail(directiveError('BAD_USER_INPUT', `@slice(path: ${JSON.stringify(expression)}) must give primitive values (e.g. "use", not "period")`, group.nodes, path));
      return String(index);
    }
    return result.map(String).join(',');
  }

  private singletonError(key: string, path: Path): void {
    this.fail(directiveError('NOT_SINGLETON', `@singleton: '${key}' has more than one value`, undefined, path));
  }

  private fail(error: GraphQLError): void {
    if (!this.errors.has(error.message)) this.errors.set(error.message, error);
  }
}
