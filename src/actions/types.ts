// actions/types.ts — the shape every action file exports, and the one helper that types a handler by its response schema.
import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { Ctx } from '../context.js';
import type { ResultOf } from './responses.js';

export interface ActionResult {
  message: string;
  data: unknown;
  /** Top-level keys beside Code/Data/Message (DescribeTask's TaskId). */
  extra?: Record<string, unknown> | undefined;
}

/** An action as the registry and the pipeline see it. */
export interface ActionDef<S extends TSchema = TSchema, R extends TObject = TObject> {
  name: string;
  /** One line for the OpenAPI document. */
  summary: string;
  schema: S;
  /** The whole success envelope (from ./responses.ts); its Message is a literal, which `handle` answers with. */
  response: R;
  /** Runs on the raw input before the schema, for checks whose wording is the vendor's own. */
  precheck?(input: Record<string, unknown>): void;
  handle(ctx: Ctx, input: Static<S>): ActionResult;
}

/** An action as its file writes it: `handle` returns the envelope's Data (and extra keys), typed by `response`. */
export interface ActionSpec<S extends TSchema, R extends TObject> extends Omit<ActionDef<S, R>, 'handle'> {
  handle(ctx: Ctx, input: Static<S>): ResultOf<R>;
}

export function defineAction<S extends TSchema, R extends TObject>(spec: ActionSpec<S, R>): ActionDef<S, R> {
  const message: unknown = (spec.response.properties['Message'] as { const?: unknown } | undefined)?.const;
  if (typeof message !== 'string') throw new Error(`${spec.name}: the response schema's Message must be a literal`);
  const handle = spec.handle;
  // ResultOf<R> is a conditional type TS cannot resolve for a generic R; every instance of it is such a pair.
  return { ...spec, handle: (ctx, input) => ({ message, ...(handle(ctx, input) as Omit<ActionResult, 'message'>) }) };
}
