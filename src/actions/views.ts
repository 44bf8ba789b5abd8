// actions/views.ts — how an instance looks on the wire: the vendor's field names, casing and JSON types, keys in its
// order; typed by the schemas in ./responses.ts, so a view that drifts from them fails to compile. Views are made once
// per instance state and shared, frozen (the store's rows are frozen and replaced on every write).
import type { Instance } from '../store/index.js';
import type { Fixtures } from '../fixtures.js';
import { PRODUCT, formatShanghai, goodsIdFor, runningSeconds, runningTime } from '../domain/instance.js';
import type { InstanceDetail, InstanceItem } from './responses.js';

interface Views {
  fx: Fixtures;
  item: InstanceItem;
  /** The detail, and the running seconds it shows. */
  detail?: InstanceDetail;
  seconds?: number;
}
// By row: a row is frozen and replaced on every write, so its views hold until the row is dropped (or the fixtures change).
const views = new WeakMap<Instance, Views>();

function viewsOf(inst: Instance, fx: Fixtures): Views {
  let v = views.get(inst);
  if (v === undefined || v.fx !== fx) {
    v = { fx, item: Object.freeze(makeItem(inst, fx)) };
    views.set(inst, v);
  }
  return v;
}

/** The row as List shows it (shared: List and Describe answer the same object until the row changes). */
export function listItem(inst: Instance, fx: Fixtures): InstanceItem {
  return viewsOf(inst, fx).item;
}

/** The row as Describe shows it at `now`; the same object while its RunningTime reads the same. */
export function detail(inst: Instance, fx: Fixtures, now: number): InstanceDetail {
  const v = viewsOf(inst, fx);
  const seconds = runningSeconds(inst.createdAt, now);
  if (v.detail === undefined || v.seconds !== seconds) {
    v.detail = Object.freeze(makeDetail(inst, v.item, now));
    v.seconds = seconds;
  }
  return v.detail;
}

function makeItem(inst: Instance, fx: Fixtures): InstanceItem {
  return {
    Address: inst.address,
    AppName: fx.vdcs.get(inst.vdcId)?.VdcName ?? '',
    BillMethod: PRODUCT.billMethod,
    ConfName: PRODUCT.confName,
    CreateTime: formatShanghai(inst.createdAt),
    InstanceConf: inst.confSize,
    InstanceId: inst.id,
    InstanceName: inst.name,
    Port: String(inst.port),
    SiteName: fx.regions.get(inst.regionId)?.SiteName ?? inst.regionId,
    Status: inst.status,
    UpdateTime: formatShanghai(inst.updatedAt),
    Version: PRODUCT.version,
  };
}

function makeDetail(inst: Instance, item: InstanceItem, now: number): InstanceDetail {
  return {
    Address: item.Address,
    AppName: item.AppName,
    BillMethod: item.BillMethod,
    ConfName: item.ConfName,
    Coon: PRODUCT.maxConnections,
    CreateTime: item.CreateTime,
    GoodsId: goodsIdFor(inst.confSize),
    InstanceConf: item.InstanceConf,
    InstanceId: item.InstanceId,
    InstanceName: item.InstanceName,
    Port: item.Port,
    RunningTime: runningTime(inst.createdAt, now),
    SiteId: inst.regionId,
    SiteName: item.SiteName,
    Status: item.Status,
    UpdateTime: item.UpdateTime,
    Version: item.Version,
  };
}
