// actions/create-request.ts — the body CreateMemcachedInstance takes, apart from its handler, so the client's
// CreateInput type comes from it without reaching any server module; no logic.
import { Type } from '@sinclair/typebox';
import { ConfSize, Id, OptionalText } from './schemas.js';

export const CreateRequest = Type.Object({
  ConfSize,
  VdcId: Id('VDC id'),
  PipeId: Id('pipe id'),
  RegionId: Id('region id'),
  InstanceName: OptionalText(128, { trimmed: true }),
  Amount: Type.Optional(
    Type.Union([Type.Integer({ minimum: 1, maximum: 10 }), Type.String({ pattern: '^\\s*(10|[1-9])\\s*$' })], {
      why: 'must be an integer from 1 to 10',
    }),
  ),
});
