// Discovery: interfaces and QoS classes of a device, one model for Cisco, Huawei and Juniper.
export * from './model.ts';
export { discoverDevice, type DiscoveryTarget, type DiscoverOptions } from './discover.ts';
export { joinInterfaces, ifNamesOf, INTERFACE_COLUMNS, IF_COLUMNS } from './interfaces.ts';
export { joinCiscoCbqos, CISCO_COLUMNS } from './cisco-cbqos.ts';
export { joinHuaweiCbqos, HUAWEI_COLUMNS } from './huawei-cbqos.ts';
export { joinJuniperCos, JUNIPER_COLUMNS, JUNIPER_POLICY_LABEL } from './juniper-cos.ts';
export { rowsFromVarbinds } from './rows.ts';
