// Which sections of the console each role sees. The server decides what each role may do;
// the menu only leaves out what would be refused, so a section's list follows the server's.
import type { Role } from './api'

export type Section =
  | 'customers'
  | 'cash'
  | 'approvals'
  | 'kpis'
  | 'movements'
  | 'campaigns'
  | 'cases'
  | 'ukeys'
  | 'devices'
  | 'fees'

const everyone: readonly Role[] = ['teller', 'supervisor', 'customer_manager', 'branch_manager', 'admin']
const checkers: readonly Role[] = ['supervisor', 'branch_manager', 'admin']

const sectionRoles: Record<Section, readonly Role[]> = {
  customers: everyone,
  cash: ['teller'],
  approvals: checkers,
  kpis: [...checkers, 'customer_manager'],
  // Large-fund-movement alerts: the customer manager's, and the supervisors' who set the
  // threshold.
  movements: [...checkers, 'customer_manager'],
  // Everyone is ranked in a campaign; branch managers and administrators start one.
  campaigns: everyone,
  // Anyone records an error, a dispute or an inspection finding; a supervisor closes it.
  cases: everyone,
  // The register of U-keys: supervisors and above.
  ukeys: checkers,
  // Terminals and merchants: supervisors register them, customer managers visit merchants.
  devices: [...checkers, 'customer_manager'],
  // Everyone reads the fee schedule; an administrator edits it (FeesView).
  fees: everyone,
}

export const sections: readonly { id: Section; path: string }[] = [
  { id: 'customers', path: '/staff/customers' },
  { id: 'cash', path: '/staff/cash' },
  { id: 'approvals', path: '/staff/approvals' },
  { id: 'kpis', path: '/staff/kpis' },
  { id: 'movements', path: '/staff/movements' },
  { id: 'campaigns', path: '/staff/campaigns' },
  { id: 'cases', path: '/staff/cases' },
  { id: 'ukeys', path: '/staff/ukeys' },
  { id: 'devices', path: '/staff/devices' },
  { id: 'fees', path: '/staff/fees' },
]

export function mayOpen(role: Role | undefined, section: Section): boolean {
  return role !== undefined && sectionRoles[section].includes(role)
}

// Supervisors and above: the checkers of maker/checker, who also close cases and set thresholds.
export const mayCheck = (role: Role | undefined): boolean => role !== undefined && checkers.includes(role)
export const mayEditFees = (role: Role | undefined): boolean => role === 'admin'
export const maySetTargets = (role: Role | undefined): boolean => role === 'branch_manager' || role === 'admin'
export const mayStockUkeys = (role: Role | undefined): boolean => mayCheck(role)
// Cash at the counter is the teller's; the menu and the customer page's links agree.
export const mayHandleCash = (role: Role | undefined): boolean => mayOpen(role, 'cash')
export const mayRunCampaigns = (role: Role | undefined): boolean => role === 'branch_manager' || role === 'admin'
