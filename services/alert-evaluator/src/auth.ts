// Control-room tokens are shared with the other services' APIs (seismic-catalogue's blast register).
export { TokenAuth, type ApiUser, type Role } from '@mine/platform';
