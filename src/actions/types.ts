// actions/types.ts — the shape every action file exports; no logic.
import type { Static, TSchema } from '@sinclair/typebox';
import type { Ctx } from '../context.js';

export interface ActionResult {
  message: string;
  data: unknown;
  /** Top-level keys beside Code/Data/Message (DescribeTask's TaskId). */
  extra?: Record<string, unknown>;
}

export interface ActionDef<S extends TSchema = TSchema> {
  name: string;
  schema: S;
  /** Runs on the raw input before the schema, for checks whose wording is the vendor's own. */
  precheck?(input: Record<string, unknown>): void;
  handle(ctx: Ctx, input: Static<S>): ActionResult;
}

export const defineAction = <S extends TSchema>(def: ActionDef<S>): ActionDef<S> => def;
