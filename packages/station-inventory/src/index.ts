export * from './model.js';
export { parseStationXml, toStationXml, STATIONXML_NAMESPACE, MINE_NAMESPACE, type StationXmlLevel } from './stationxml.js';
export { StationInventory, matchesAny, type ChannelEpoch, type StationSelection } from './inventory.js';
export { gridToWgs84, wgs84ToGrid, type MineGrid } from './mine-grid.js';
