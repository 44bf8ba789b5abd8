// actions/responses.ts — every response the signed API gives, as TypeBox schemas: the views, the handlers, the client's
// types, the OpenAPI document and the tests' response check all take their shapes from here. Imports nothing but
// TypeBox and the pure domain, so the client can `import type` from it without pulling in the server.
import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { PRODUCT, STATUSES, TASK_KINDS, TASK_STATUSES } from '../domain/instance.js';

// ---- Pieces ----

/** `YYYY-MM-DD HH:mm:ss`, Asia/Shanghai. */
export const ShanghaiTime = Type.String({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$',
  description: 'YYYY-MM-DD HH:mm:ss in Asia/Shanghai (UTC+8)',
  examples: ['2024-05-01 16:00:00'],
});
export const InstanceStatus = Type.Union(
  STATUSES.map((s) => Type.Literal(s)),
  { description: 'creating → running; updating and deleting while a task runs; error when a task or the memcached failed' },
);
export const TaskStatus = Type.Union(TASK_STATUSES.map((s) => Type.Literal(s)));
export const TaskKind = Type.Union(TASK_KINDS.map((k) => Type.Literal(k)));
export const TaskIdNumber = Type.Integer({ minimum: 1, description: 'from one global, increasing counter' });

// ---- Instance views (src/actions/views.ts builds them; keys in the vendor's order) ----

export const InstanceItem = Type.Object(
  {
    Address: Type.String({ description: 'the IP address clients connect to (empty until the backend assigned one)' }),
    AppName: Type.String({ description: "the VDC's name" }),
    BillMethod: Type.Literal(PRODUCT.billMethod),
    ConfName: Type.Literal(PRODUCT.confName),
    CreateTime: ShanghaiTime,
    InstanceConf: Type.String({ pattern: '^(10|[1-9])G$', description: 'memory size, "1G" … "10G"' }),
    InstanceId: Type.String({ minLength: 1 }),
    InstanceName: Type.String(),
    Port: Type.String({ pattern: '^[0-9]+$', description: 'a string on the wire, e.g. "11211"' }),
    SiteName: Type.String({ description: 'display name of the region, e.g. 中国大陆-北京-可用区H' }),
    Status: InstanceStatus,
    UpdateTime: ShanghaiTime,
    Version: Type.Literal(PRODUCT.version),
  },
  { additionalProperties: false },
);
export type InstanceItem = Static<typeof InstanceItem>;

export const InstanceDetail = Type.Object(
  {
    Address: InstanceItem.properties.Address,
    AppName: InstanceItem.properties.AppName,
    BillMethod: InstanceItem.properties.BillMethod,
    ConfName: InstanceItem.properties.ConfName,
    Coon: Type.Integer({ minimum: 1, description: 'maximum connections' }),
    CreateTime: ShanghaiTime,
    GoodsId: Type.String({ pattern: '^[0-9]+$' }),
    InstanceConf: InstanceItem.properties.InstanceConf,
    InstanceId: InstanceItem.properties.InstanceId,
    InstanceName: InstanceItem.properties.InstanceName,
    Port: InstanceItem.properties.Port,
    RunningTime: Type.String({
      pattern: '^[0-9]+个月[0-9]+天[0-9]+小时[0-9]+分[0-9]+秒$',
      description: 'time since creation: months of 30 days, days, hours, minutes, seconds',
      examples: ['0个月1天1小时1分47秒'],
    }),
    SiteId: Type.String({ description: 'the RegionId' }),
    SiteName: InstanceItem.properties.SiteName,
    Status: InstanceStatus,
    UpdateTime: ShanghaiTime,
    Version: InstanceItem.properties.Version,
  },
  { additionalProperties: false },
);
export type InstanceDetail = Static<typeof InstanceDetail>;

const Total = Type.Integer({ minimum: 0 });
export const InstanceList = Type.Object(
  {
    CreatingTotal: Total,
    DeletingTotal: Total,
    ErrorTotal: Total,
    InstanceList: Type.Array(InstanceItem, { description: 'newest first' }),
    RunningTotal: Total,
    Total,
    UpdatingTotal: Total,
  },
  { additionalProperties: false },
);
export type InstanceList = Static<typeof InstanceList>;

export const CreateData = Type.Object(
  {
    InstanceIds: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 10 }),
    TaskIds: Type.Array(TaskIdNumber, { minItems: 1, maxItems: 10, description: 'same length and order as InstanceIds' }),
  },
  { additionalProperties: false },
);
export const TaskIdData = Type.Object({ TaskId: TaskIdNumber }, { additionalProperties: false });
export const TaskData = Type.Object(
  { Status: TaskStatus, ResourceId: Type.String({ description: 'the instance id' }), TaskType: TaskKind },
  { additionalProperties: false },
);

// ---- Envelopes ----

/** `{"Code":"Success","Data":{…},"Message":"…"}` with exactly the vendor's keys, plus `extra` top-level ones. */
export function success<D extends TSchema, M extends string, X extends TProperties = {}>(data: D, message: M, extra?: X) {
  return Type.Object(
    { Code: Type.Literal('Success'), Data: data, Message: Type.Literal(message), ...((extra ?? {}) as X) },
    { additionalProperties: false },
  );
}

export const CreateResponse = success(CreateData, '任务下发成功!');
export const ListResponse = success(InstanceList, '获取memcached列表成功!');
export const DescribeResponse = success(InstanceDetail, '获取Memcached详情成功!');
export const DeleteResponse = success(TaskIdData, '删除实例任务下发成功!');
export const ClearResponse = success(TaskIdData, '清空memcached的数据信息成功');
export const UpdateResponse = success(TaskIdData, '任务下发成功!');
export const DescribeTaskResponse = success(TaskData, 'Success.', {
  TaskId: Type.String({ pattern: '^[1-9][0-9]*$', description: 'the task id, as a string (the vendor puts it beside Data)' }),
});

/** Every failure: `{"Code","Message","Data":{},"RequestId"}`; RequestId equals the X-Request-Id header. */
export const ErrorEnvelope = Type.Object(
  {
    Code: Type.String({ minLength: 1, pattern: '^(?!Success$)', description: 'never "Success"' }),
    Message: Type.String(),
    Data: Type.Object({}, { additionalProperties: false }),
    RequestId: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
export type ErrorEnvelope = Static<typeof ErrorEnvelope>;

/** What a handler returns for envelope R: its `Data`, and the top-level keys beside Code/Data/Message if R has any. */
type Extra<R extends TObject> = Omit<Static<R>, 'Code' | 'Data' | 'Message'>;
export type ResultOf<R extends TObject> = { data: Static<R>['Data'] } & (keyof Extra<R> extends never
  ? { extra?: undefined }
  : { extra: Extra<R> });
