// The staff console's pages, added to the app's router the first time a /staff address is
// opened (router.ts loads this module then), so the customer pages carry none of it. Each
// page is its own chunk too. The console's guard lives here: staff pages need a staff
// session (a bearer token), not the customer's cookie, and each section its roles.
import type { Router } from 'vue-router'
import { addStaffMessages } from './messages'
import { type Section, mayOpen } from './roles'
import { ensureStaff, onStaffSessionEnded, role } from './session'
import './staff.css'

declare module 'vue-router' {
  interface RouteMeta {
    // A page of the staff console (guarded here, not by the customer app's guard).
    staff?: boolean
    // The console section the page belongs to, for the role check.
    section?: Section
  }
}

// Only a console path is a place to return to after the staff login.
function returnPath(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith('/staff') ? value : undefined
}

export function addStaffRoutes(router: Router): void {
  if (router.hasRoute('staff-login')) return
  addStaffMessages()
  router.addRoute({
    path: '/staff/login',
    name: 'staff-login',
    component: () => import('./views/StaffLoginView.vue'),
    meta: { staff: true, public: true, title: 'staff.login.title' },
  })
  router.addRoute({
    path: '/staff',
    component: () => import('./views/StaffLayout.vue'),
    meta: { staff: true },
    children: [
      { path: '', name: 'staff-home', redirect: { name: 'staff-customers' } },
      {
        path: 'customers',
        name: 'staff-customers',
        component: () => import('./views/CustomersView.vue'),
        meta: { staff: true, section: 'customers', title: 'staff.customers.title' },
      },
      {
        path: 'customers/:number',
        name: 'staff-customer',
        component: () => import('./views/CustomerView.vue'),
        props: true,
        meta: { staff: true, section: 'customers', title: 'staff.customer.title' },
      },
      {
        path: 'cash',
        name: 'staff-cash',
        component: () => import('./views/CashView.vue'),
        meta: { staff: true, section: 'cash', title: 'staff.cash.title' },
      },
      {
        path: 'approvals',
        name: 'staff-approvals',
        component: () => import('./views/ApprovalsView.vue'),
        meta: { staff: true, section: 'approvals', title: 'staff.approvals.title' },
      },
      {
        path: 'kpis',
        name: 'staff-kpis',
        component: () => import('./views/KpiView.vue'),
        meta: { staff: true, section: 'kpis', title: 'staff.kpis.title' },
      },
      {
        path: 'movements',
        name: 'staff-movements',
        component: () => import('./views/MovementsView.vue'),
        meta: { staff: true, section: 'movements', title: 'staff.movements.title' },
      },
      {
        path: 'campaigns',
        name: 'staff-campaigns',
        component: () => import('./views/CampaignsView.vue'),
        meta: { staff: true, section: 'campaigns', title: 'staff.campaigns.title' },
      },
      {
        path: 'cases',
        name: 'staff-cases',
        component: () => import('./views/CasesView.vue'),
        meta: { staff: true, section: 'cases', title: 'staff.cases.title' },
      },
      {
        path: 'devices',
        name: 'staff-devices',
        component: () => import('./views/DevicesView.vue'),
        meta: { staff: true, section: 'devices', title: 'staff.devices.title' },
      },
      {
        path: 'ukeys',
        name: 'staff-ukeys',
        component: () => import('./views/UkeysView.vue'),
        meta: { staff: true, section: 'ukeys', title: 'staff.ukeys.title' },
      },
      {
        path: 'fees',
        name: 'staff-fees',
        component: () => import('./views/FeesView.vue'),
        meta: { staff: true, section: 'fees', title: 'staff.fees.title' },
      },
    ],
  })
  // Takes the place of router.ts's loader (same name): an unknown console address now
  // leads to the console's first page instead of loading this module again.
  router.addRoute({ path: '/staff/:rest(.*)*', name: 'staff', redirect: { name: 'staff-home' } })

  router.beforeEach(async (to) => {
    if (!to.meta.staff) return true
    const live = await ensureStaff()
    if (to.name === 'staff-login') {
      return live ? (returnPath(to.query.redirect) ?? { name: 'staff-home' }) : true
    }
    if (!live) {
      return to.name === 'staff-customers'
        ? { name: 'staff-login' }
        : { name: 'staff-login', query: { redirect: to.fullPath } }
    }
    // A section the role does not have (an old bookmark, a typed address): the first page.
    if (to.meta.section && !mayOpen(role(), to.meta.section)) return { name: 'staff-customers' }
    return true
  })

  onStaffSessionEnded((keepPlace) => {
    const current = router.currentRoute.value
    const redirect = keepPlace && current.name !== 'staff-login' ? current.fullPath : undefined
    void router.push({ name: 'staff-login', query: redirect ? { redirect } : {} })
  })
}

export function afterStaffLogin(router: Router): string {
  return returnPath(router.currentRoute.value.query.redirect) ?? '/staff'
}
