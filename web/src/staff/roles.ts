// Which sections of the console each role sees. The server decides what each role may do;
// the menu only leaves out what would be refused, so a section's list follows the server's.
import type { Role } from './api'

export type Section = 'customers' | 'cash' | 'approvals' | 'kpis' | 'ukeys' | 'fees'

const everyone: readonly Role[] = ['teller', 'supervisor', 'customer_manager', 'branch_manager', 'admin']
const checkers: readonly Role[] = ['supervisor', 'branch_manager', 'admin']

const sectionRoles: Record<Section, readonly Role[]> = {
  customers: everyone,
  cash: ['teller'],
  approvals: checkers,
  kpis: [...checkers, 'customer_manager'],
  // The register of U-keys: supervisors and above.
  ukeys: checkers,
  // Everyone reads the fee schedule; an administrator edits it (FeesView).
  fees: everyone,
}

export const sections: readonly { id: Section; path: string }[] = [
  { id: 'customers', path: '/staff/customers' },
  { id: 'cash', path: '/staff/cash' },
  { id: 'approvals', path: '/staff/approvals' },
  { id: 'kpis', path: '/staff/kpis' },
  { id: 'ukeys', path: '/staff/ukeys' },
  { id: 'fees', path: '/staff/fees' },
]

export function mayOpen(role: Role | undefined, section: Section): boolean {
  return role !== undefined && sectionRoles[section].includes(role)
}

export const mayEditFees = (role: Role | undefined): boolean => role === 'admin'
export const maySetTargets = (role: Role | undefined): boolean => role === 'branch_manager' || role === 'admin'
export const mayStockUkeys = (role: Role | undefined): boolean => role !== undefined && checkers.includes(role)
// Cash at the counter is the teller's; the menu and the customer page's links agree.
export const mayHandleCash = (role: Role | undefined): boolean => mayOpen(role, 'cash')
