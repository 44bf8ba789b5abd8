// actions/views.ts — how an instance looks on the wire: the vendor's field names, casing and JSON types, keys in its
// order; typed by the schemas in ./responses.ts, so a view that drifts from them fails to compile.
import type { Instance } from '../store/index.js';
import type { Fixtures } from '../fixtures.js';
import { PRODUCT, formatShanghai, goodsIdFor, runningTime } from '../domain/instance.js';
import type { InstanceDetail, InstanceItem } from './responses.js';

export function listItem(inst: Instance, fx: Fixtures): InstanceItem {
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

export function detail(inst: Instance, fx: Fixtures, now: number): InstanceDetail {
  const item = listItem(inst, fx);
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
