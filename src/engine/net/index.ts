/** The built-in engine's networks: netavark + aardvark-dns bridges, IPAM, netns, etc files (see networks.ts). */
export { DEFAULT_CLAIMS_DIR, SubnetClaims } from './claims.js';
export {
  FALLBACK_NAMESERVERS,
  type HostsFileOptions,
  type HostsNetwork,
  hostsFile,
  parseExtraHost,
  parseResolvConf,
  type ResolvConfOptions,
  type ResolvConfParts,
  readHostResolvConf,
  resolvConf,
} from './etcfiles.js';
export { allowIntraBridge, intraBridgeRule, removeIntraBridge } from './firewall.js';
export {
  type NetworkedContainer,
  type NetworkHooksOptions,
  type NetworkUpResult,
  networkHooks,
} from './hooks.js';
export {
  allocateAddress,
  type Cidr,
  chooseSubnet,
  cidrContains,
  cidrOverlaps,
  DEFAULT_POOLS,
  DEFAULT_POOLS_V6,
  formatCidr,
  formatIp,
  type IpamRequest,
  parseCidr,
  parseIp,
  planSubnets,
  probeHostSubnets,
  type SubnetConfig,
  type SubnetPool,
} from './ipam.js';
export {
  buildNetavarkOptions,
  DEFAULT_AARDVARK_DNS,
  DEFAULT_NETAVARK,
  type NetavarkBinaries,
  type NetavarkOptions,
  type NetavarkStatus,
  netavarkBinaries,
  portFree,
  resolvePorts,
  runNetavark,
} from './netavark.js';
export { createNetns, NETNS_DIR, netnsName, netnsPath, removeNetns } from './netns.js';
export {
  type AttachedNetwork,
  type AttachRequest,
  type AttachResult,
  type DetachRequest,
  type NetworkDetails,
  Networks,
  type NetworksOptions,
} from './networks.js';
export type { EndpointRecord, NetworkRecord, PortMappingRecord } from './records.js';
